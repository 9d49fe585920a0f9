import type { Server, IncomingMessage, ServerResponse } from 'node:http';
import { AsyncLocalStorage } from 'node:async_hooks';
import { Client } from 'pg';

/** One HTTP request the app served, with every SQL statement issued on its behalf. */
export interface ServedRequest {
  method: string;
  url: string;
  status?: number;
  finished: boolean;
  statements: string[];
}

/**
 * What a request cost the database: round trips; transactions opened; commits
 * (each autocommit statement outside BEGIN … COMMIT is one, and so is each COMMIT).
 */
export interface StatementCount {
  statements: number;
  begins: number;
  commits: number;
}

const BEGIN = /^\s*(BEGIN|START TRANSACTION)\b/i;
const COMMIT = /^\s*(COMMIT|END)\b/i;

export function countOf(req: ServedRequest): StatementCount {
  let begins = 0;
  let commits = 0;
  let open = false;
  for (const s of req.statements) {
    if (BEGIN.test(s)) {
      begins++;
      open = true;
    } else if (COMMIT.test(s)) {
      commits++;
      open = false;
    } else if (!open) commits++;
  }
  return { statements: req.statements.length, begins, commits };
}

/**
 * Counts the SQL statements the app issues per HTTP request, in this test
 * process only: `pg`'s `Client.prototype.query` is wrapped (every pool
 * connection of TypeORM goes through it) and each call is attributed to the
 * request whose async context issued it (an AsyncLocalStorage entered in the
 * server's `request` listener). Statements from background work (the config
 * listener, timers) have no request and are not counted.
 */
export class StatementCounter {
  readonly served: ServedRequest[] = [];
  private readonly als = new AsyncLocalStorage<ServedRequest>();
  private readonly originalQuery = Client.prototype.query;
  private readonly originalListeners: Array<(...args: unknown[]) => void>;

  constructor(private readonly server: Server) {
    const als = this.als;
    const original = this.originalQuery;
    Client.prototype.query = function (this: Client, ...args: unknown[]) {
      const served = als.getStore();
      if (served) served.statements.push(textOf(args[0]));
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof Client.prototype.query;

    this.originalListeners = server.listeners('request') as Array<(...args: unknown[]) => void>;
    server.removeAllListeners('request');
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const served: ServedRequest = { method: req.method ?? '', url: req.url ?? '', finished: false, statements: [] };
      this.served.push(served);
      res.once('finish', () => {
        served.status = res.statusCode;
        served.finished = true;
      });
      als.run(served, () => {
        for (const l of this.originalListeners) l.call(server, req, res);
      });
    });
  }

  /** Requests served since the last reset whose method and path match. */
  find(method: string, path: RegExp): ServedRequest[] {
    return this.served.filter((s) => s.method === method && path.test(s.url.split('?')[0]));
  }

  reset(): void {
    this.served.length = 0;
  }

  restore(): void {
    Client.prototype.query = this.originalQuery;
    this.server.removeAllListeners('request');
    for (const l of this.originalListeners) this.server.on('request', l);
  }
}

function textOf(arg: unknown): string {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && 'text' in arg) return String((arg as { text: unknown }).text);
  return String(arg);
}
