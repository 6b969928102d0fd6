import WebSocket from 'ws';

/** Opens a websocket, sends each message, and resolves with the first `messages.length` replies. */
export async function exchangeMessages(
  url: string,
  messages: string[],
  timeoutMs = 10_000,
): Promise<string[]> {
  const socket = new WebSocket(url);
  const replies: string[] = [];
  const done = new Promise<void>((resolve, reject) => {
    socket.on('message', (data) => {
      replies.push(String(data));
      if (replies.length === messages.length) resolve();
    });
    socket.on('error', reject);
    setTimeout(() => reject(new Error(`only ${replies.length} replies`)), timeoutMs).unref();
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  for (const message of messages) socket.send(message);
  try {
    await done;
  } finally {
    socket.close();
  }
  return replies;
}
