// The connection registry: order, numbering, one subscription per key, closing once.
import { describe, expect, it } from 'vitest';
import { ConnectionRegistry } from './connection-registry.js';

describe('ConnectionRegistry', () => {
  it('lists open connections in the order they opened, numbering those without an id', () => {
    const registry = new ConnectionRegistry();
    const device = registry.open('mqtt', { id: 'dev-1', identity: null, remoteAddress: '::1' });
    const socket = registry.open('websocket', { identity: 'user:alice' });
    const stream = registry.open('sse', { identity: 'user:bob', remoteAddress: '10.0.0.2' });
    expect(registry.list().map((c) => [c.transport, c.id, c.identity, c.remoteAddress])).toEqual([
      ['mqtt', 'dev-1', null, '::1'],
      ['websocket', '1', 'user:alice', null],
      ['sse', '2', 'user:bob', '10.0.0.2'],
    ]);
    socket.close();
    socket.close();
    expect(registry.list().map((c) => c.id)).toEqual(['dev-1', '2']);
    device.close();
    stream.close();
    expect(registry.size).toBe(0);
  });

  it('keeps one subscription per key: a second replaces it, an unsubscribe removes it', () => {
    const registry = new ConnectionRegistry();
    const socket = registry.open('websocket', { identity: 'user:alice' });
    socket.subscribe('events', 'events?namespaces=a');
    socket.subscribe('messages');
    socket.subscribe('events', 'events?namespaces=b');
    expect(registry.list()[0].subscriptions).toEqual(['events?namespaces=b', 'messages']);
    socket.unsubscribe('events');
    socket.reidentify('user:alice2');
    expect(registry.list()[0]).toMatchObject({
      identity: 'user:alice2',
      subscriptions: ['messages'],
    });
    expect(Date.parse(registry.list()[0].connectedSince)).not.toBeNaN();
  });
});
