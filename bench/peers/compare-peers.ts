import { type LoadResult, medianRound, pairedRatios, runLoad } from '../load.ts';
import type { StartedProcess } from '../process.ts';
import type { PeerServer } from './peer-servers.ts';

export interface PeerResult {
  name: string;
  /** Median round of hello load. */
  load: LoadResult | null;
  /** This server against bare Fastify, round by round. */
  vsBare: { throughput: number; p99: number } | null;
  /** The runtime host against this server, round by round. */
  hostVs: { throughput: number; p99: number } | null;
  /** Spawn → first 200, median of the starts. */
  startMs: number | null;
}

export interface PeersRow {
  scenario: 'peers';
  servers: PeerResult[];
}

interface Loaded {
  name: string;
  start(): Promise<StartedProcess>;
  /** Measure its start too (the baseline Fastify's is not reported). */
  timed: boolean;
  rounds: LoadResult[];
}

/**
 * The seed's hello handler on every server at once, loaded in turns each round (bare
 * Fastify first, the host last), so a shared machine's drift lands on all of them;
 * then each one's start, spawn to first 200, several times.
 */
export async function comparePeers(options: {
  bare: () => Promise<StartedProcess>;
  host: () => Promise<StartedProcess>;
  hostStart: () => Promise<StartedProcess>;
  peers: PeerServer[];
  startOnly: PeerServer[];
  rounds: number;
  durationSeconds: number;
  connections: number;
  starts: number;
}): Promise<PeersRow> {
  const sides: Loaded[] = [
    { name: 'bare Fastify', start: options.bare, timed: false, rounds: [] },
    ...options.peers.map((peer) => ({ ...peer, timed: true, rounds: [] })),
    { name: 'runtime host', start: options.host, timed: false, rounds: [] },
  ];
  const running = await Promise.all(sides.map((side) => side.start()));
  try {
    for (let round = 0; round < options.rounds; round++) {
      for (const [i, side] of sides.entries()) {
        side.rounds.push(
          await runLoad(running[i]!.url, {
            durationSeconds: options.durationSeconds,
            connections: options.connections,
          }),
        );
      }
      console.log(`peers: round ${round + 1}/${options.rounds} done`);
    }
  } finally {
    await Promise.all(running.map((process) => process.stop()));
  }
  const bare = sides[0]!;
  const host = sides.at(-1)!;
  const startOf = async (start: () => Promise<StartedProcess>) => medianStart(start, options.starts);
  const servers: PeerResult[] = [];
  for (const side of sides) {
    servers.push({
      name: side.name,
      load: medianRound(side.rounds),
      vsBare: side === bare ? null : pairedRatios(bare.rounds, side.rounds),
      hostVs: side === host ? null : pairedRatios(side.rounds, host.rounds),
      startMs: side.timed
        ? await startOf(side.start)
        : side === host
          ? await startOf(options.hostStart)
          : null,
    });
  }
  for (const only of options.startOnly)
    servers.push({
      name: only.name,
      load: null,
      vsBare: null,
      hostVs: null,
      startMs: await startOf(only.start),
    });
  return { scenario: 'peers', servers };
}

/** Spawn → first 200 response, `count` times after one warm-up; the median. */
async function medianStart(start: () => Promise<StartedProcess>, count: number): Promise<number> {
  await (await start()).stop();
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const began = performance.now();
    const server = await start();
    try {
      const response = await fetch(server.url);
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`${server.url} answered ${response.status}`);
      samples.push(performance.now() - began);
    } finally {
      await server.stop();
    }
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}
