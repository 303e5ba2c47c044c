import type { Platform } from '../domain/channel.js';
import type { OutboundPort } from './port.js';

/**
 * The running adapters' outbound ports. The composition root attaches each port when its adapter is up
 * (Discord logs in after the alerts pipeline starts); whoever delivers listens for attachments, so rows
 * queued for that platform go out at once.
 */
export class PortRegistry {
  private readonly ports = new Map<Platform, OutboundPort>();
  private readonly listeners = new Set<(port: OutboundPort) => void>();

  constructor(initial: Iterable<OutboundPort> = []) {
    for (const port of initial) this.ports.set(port.platform, port);
  }

  attach(port: OutboundPort): void {
    this.ports.set(port.platform, port);
    for (const listener of this.listeners) listener(port);
  }

  /** The adapter stopped or lost its connection for good: its rows wait until a port is attached again. */
  detach(platform: Platform): void {
    this.ports.delete(platform);
  }

  get(platform: Platform): OutboundPort | undefined {
    return this.ports.get(platform);
  }

  has(platform: Platform): boolean {
    return this.ports.has(platform);
  }

  platforms(): Platform[] {
    return [...this.ports.keys()];
  }

  /** Called for every port attached from now on; returns the unsubscribe. */
  onAttach(listener: (port: OutboundPort) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
