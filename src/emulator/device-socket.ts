/** `GET /devices/:id/command` as a WebSocket: the device's channel for receiving commands. */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { Access } from './auth';
import { accessDenied, ModeError, notFound, reasonForStatus } from './errors';
import type { Faults } from './faults';
import type { RequestLog } from './request-log';
import { now, type Store } from './store';

export interface DeviceCommand {
  action: string;
  parameters: unknown;
}

const commandPath = /^\/devices\/([^/]+)\/command$/;
const idPattern = /^[1-9]\d{0,14}$/;

export class DeviceSockets {
  private readonly server = new WebSocketServer({ noServer: true });
  private readonly sockets = new Map<number, Set<WebSocket>>();

  constructor(
    private readonly store: Store,
    private readonly access: Access,
    private readonly faults: Faults,
    private readonly requestLog: RequestLog,
  ) {}

  /** Sends to every open connection of the device; a device that is not connected simply misses it. */
  sendCommand(deviceId: number, command: DeviceCommand): number {
    const open = [...(this.sockets.get(deviceId) ?? [])].filter((ws) => ws.readyState === WebSocket.OPEN);
    const message = JSON.stringify(command);
    for (const ws of open) ws.send(message);
    return open.length;
  }

  disconnect(deviceId: number): void {
    for (const ws of this.sockets.get(deviceId) ?? []) ws.close(1000, 'device removed');
  }

  disconnectAll(): void {
    for (const ws of this.server.clients) ws.terminate();
  }

  close(): void {
    this.disconnectAll();
    this.server.close();
  }

  async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://emulator');
    const fault = this.faults.take(`${req.method} ${url.pathname}`);
    this.requestLog.record({
      method: req.method ?? 'GET',
      path: url.pathname,
      ...(url.search ? { query: Object.fromEntries(url.searchParams) } : {}),
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
      body: undefined,
    });
    if (fault?.kind === 'drop') return void socket.destroy();
    if (fault?.kind === 'status') return refuse(socket, new ModeError(fault.status, reasonForStatus(fault.status)));
    if (fault?.kind === 'latency' && !(await this.faults.delay(fault.ms))) return void socket.destroy();
    try {
      const deviceId = this.authorize(req, url);
      this.server.handleUpgrade(req, socket, head, (ws) => this.attach(deviceId, ws));
    } catch (error) {
      refuse(socket, error instanceof ModeError ? error : new ModeError(500, 'INTERNAL_ERROR'));
    }
  }

  private authorize(req: IncomingMessage, url: URL): number {
    const idSegment = commandPath.exec(url.pathname)?.[1];
    if (!idSegment || !idPattern.test(idSegment)) throw notFound();
    const deviceId = Number(idSegment);
    const who = this.access.principal(req.headers, url.searchParams.get('authToken') ?? undefined);
    if (who.kind !== 'device') throw accessDenied();
    this.access.device(who, deviceId);
    return deviceId;
  }

  private attach(deviceId: number, ws: WebSocket): void {
    const open = this.sockets.get(deviceId) ?? new Set<WebSocket>();
    this.sockets.set(deviceId, open);
    open.add(ws);
    this.setConnected(deviceId, true);
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      open.delete(ws);
      if (open.size === 0) {
        this.sockets.delete(deviceId);
        this.setConnected(deviceId, false);
      }
    });
  }

  private setConnected(deviceId: number, connected: boolean): void {
    const device = this.store.devices.get(deviceId);
    if (!device) return;
    device.isConnected = connected;
    if (connected) device.lastConnectTime = now();
    else device.lastDisconnectTime = now();
  }
}

function refuse(socket: Duplex, error: ModeError): void {
  const body = JSON.stringify({ reason: error.reason });
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? ''}\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
}
