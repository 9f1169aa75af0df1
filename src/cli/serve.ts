import { configFor, parseCommandArgs, type Command } from './command.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'migrate the database, then serve the web app (what `npm start` does)',
  usage: `mtm serve [--env-file FILE]

  Listens on HOST:PORT (default 127.0.0.1:3000; 0.0.0.0 in production) until SIGTERM or SIGINT.`,

  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {});
    // Loaded on use: the whole web app is a large import graph that other commands do not need.
    const { startServer } = await import('../main.js');
    const server = await startServer(configFor(io.env, values['env-file']));
    return server.stopped;
  },
};
