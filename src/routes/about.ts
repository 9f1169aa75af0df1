import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import type { Deps } from '../deps.js';
import { contract, NotJson } from './contracts.js';
import { respond } from './respond.js';

const DemoInfo = Type.Object({
  demoMode: Type.Boolean(),
  readmeSection: Type.String(),
  variables: Type.Array(Type.String()),
});

/**
 * Small fixed pages: what demo mode is (the demo banner links here: the README is not served by
 * the app), and /favicon.ico for browsers and tools that ask for it without reading the page.
 */
export function aboutRoutes(deps: Deps): FastifyPluginAsync {
  return async (app) => {
    app.get('/about/demo', { schema: contract({ json: DemoInfo }) }, async (request, reply) =>
      respond(
        request,
        reply,
        'about-demo.eta',
        { title: 'Demo mode · Music Time Machine', demoMode: deps.config.demoMode },
        {
          demoMode: deps.config.demoMode,
          readmeSection: 'README.md#spotify-and-demo-mode',
          variables: ['SPOTIFY_CLIENT_ID', 'SPOTIFY_CLIENT_SECRET', 'SPOTIFY_REDIRECT_URI'],
        },
      ),
    );

    // The page's <link rel="icon"> names the SVG; this answers the browsers' default guess.
    app.get('/favicon.ico', { schema: contract({ json: NotJson }), logLevel: 'warn' }, async (_request, reply) =>
      reply.header('cache-control', 'public, max-age=86400').redirect('/static/favicon.svg', 301),
    );
  };
}
