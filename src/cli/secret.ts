import { randomBytes } from 'node:crypto';
import { parseCommandArgs, type Command } from './command.js';

export const secretCommand: Command = {
  name: 'secret',
  summary: 'print a new random SESSION_SECRET',
  usage: `mtm secret [--json]

  Prints 48 random bytes, base64url-encoded: paste it as SESSION_SECRET in your host's variables.`,

  async run(argv, io) {
    const { values } = parseCommandArgs(argv, {});
    const secret = randomBytes(48).toString('base64url');
    io.out(values.json ? JSON.stringify({ SESSION_SECRET: secret }) : secret);
    return 0;
  },
};
