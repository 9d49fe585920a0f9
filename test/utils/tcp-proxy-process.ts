import { ChildProcess, fork } from 'node:child_process';
import { TcpProxy } from './tcp-proxy';

type Command = 'cut' | 'restore' | 'partition' | 'heal' | 'close';
interface Reply {
  id: number;
  port?: number;
  error?: string;
}

/**
 * A TcpProxy in a child process, driven over IPC. A proxy inside the test
 * process shares its event loop with the app under test: while Nest boots
 * or a handler computes, the proxy stops forwarding and the app sees
 * timeouts that are the test's own doing. In its own process it forwards
 * like the network would.
 */
export class TcpProxyProcess {
  private child?: ChildProcess;
  private next = 0;
  private readonly waiting = new Map<number, (r: Reply) => void>();
  port = 0;

  constructor(
    private readonly targetPort: number,
    private readonly targetHost = '127.0.0.1',
  ) {}

  async start(): Promise<number> {
    const child = fork(__filename, ['--tcp-proxy-child', String(this.targetPort), this.targetHost], {
      execArgv: ['-r', '@swc-node/register'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child = child;
    child.on('message', (r: Reply) => {
      this.waiting.get(r.id)?.(r);
      this.waiting.delete(r.id);
    });
    const ready = await this.call('start');
    this.port = ready.port!;
    return this.port;
  }

  cut = () => this.call('cut').then(() => undefined);
  restore = () => this.call('restore').then(() => undefined);
  partition = () => this.call('partition').then(() => undefined);
  heal = () => this.call('heal').then(() => undefined);

  async close(): Promise<void> {
    if (!this.child) return;
    await this.call('close').catch(() => undefined);
    this.child.kill();
    this.child = undefined;
  }

  private call(cmd: Command | 'start'): Promise<Reply> {
    const id = ++this.next;
    return new Promise<Reply>((resolve, reject) => {
      this.waiting.set(id, (r) => (r.error ? reject(new Error(r.error)) : resolve(r)));
      this.child!.send({ id, cmd });
    });
  }
}

if (process.argv[2] === '--tcp-proxy-child') {
  const proxy = new TcpProxy(Number(process.argv[3]), process.argv[4]);
  process.on('message', (msg: { id: number; cmd: Command | 'start' }) => {
    const run = async (): Promise<Reply> => {
      if (msg.cmd === 'start') return { id: msg.id, port: await proxy.start() };
      if (msg.cmd === 'partition') proxy.partition();
      else if (msg.cmd === 'heal') proxy.heal();
      else await proxy[msg.cmd]();
      return { id: msg.id };
    };
    run().then(
      (r) => process.send!(r),
      (err: Error) => process.send!({ id: msg.id, error: err.message }),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
