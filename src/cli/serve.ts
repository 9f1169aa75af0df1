import { configFor, parseCommandArgs, type Command } from './command.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'migrate the database, then serve the web app (what `npm start` does)',
  usage: `mtm serve [--env-file FILE]

  Listens on HOST:PORT (default 127.0.0.1:3000; :: in production, every IPv6 and IPv4 address)
  until SIGTERM or SIGINT, then drains requests and running captures (at most 10 s) and exits 0.
  Under npx the server also stops when npx goes away (npx does not pass SIGTERM on). On a PaaS,
  start it with \`node --import tsx src/main.ts\` (what railway.json and the Dockerfile do).`,

  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {});
    // Loaded on use: the whole web app is a large import graph that other commands do not need.
    const { startServer } = await import('../main.js');
    // `npx mtm serve`: npx relays SIGTERM only to the shell it started (see stopWhenOrphaned).
    const underNpm = io.env.npm_lifecycle_event !== undefined || io.env.npm_command !== undefined;
    const server = await startServer(configFor(io.env, values['env-file']), { stopWhenOrphaned: underNpm });
    return server.stopped;
  },
};
