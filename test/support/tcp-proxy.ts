import net from 'node:net';

/**
 * A TCP proxy between the app and PostgreSQL that a test controls, to play "the database is
 * unreachable" without touching the shared server: `cut()` drops every open connection and stops
 * listening (new connections are refused, as by a stopped server); `restore()` listens again on
 * the same port.
 */
export interface TcpProxy {
  readonly port: number;
  /** `url` with its host and port pointing at the proxy. */
  urlThrough(url: string): string;
  cut(): Promise<void>;
  restore(): Promise<void>;
  /** Connections currently passing through. */
  readonly open: number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  let listening = true;

  const cut = async () => {
    if (listening) {
      listening = false;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    } else {
      for (const socket of sockets) socket.destroy();
    }
  };

  return {
    port,
    urlThrough(url: string) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    cut,
    async restore() {
      if (listening) return;
      await listen(port);
      listening = true;
    },
    get open() {
      return sockets.size / 2;
    },
    close: cut,
  };
}
