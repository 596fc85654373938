/**
 * The platform's telemetry sidecars: `qmp-telemetry-{instance-id}.json` in
 * its runtime directory, written by the daemon for every VM with a telemetry
 * QMP socket (spinifex/vm/telemetry_meta.go, types.GuestTelemetryMeta) and
 * removed when the VM stops.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

export interface Sidecar {
  instanceId: string;
  /** The platform's root account when the sidecar has none (it is `omitempty` there). */
  accountId: string;
  vcpus: number;
  /** 60 (detailed monitoring) or 300 (basic); anything else is basic, as the platform's collector reads it. */
  periodSeconds: 60 | 300;
  taps: string[];
  socket: string;
}

export const SIDECAR_PREFIX = "qmp-telemetry-";
export const ROOT_ACCOUNT = "000000000000";
const INSTANCE_ID = /^i-[0-9a-zA-Z]{1,40}$/;
const TAP = /^[0-9A-Za-z._-]{1,15}$/;

/** The runtime directory: configured, else $XDG_RUNTIME_DIR (the platform's units set /run/spinifex), else /run/spinifex. */
export function runtimeDir(configured: string, env: NodeJS.ProcessEnv = process.env): string {
  return configured || env.XDG_RUNTIME_DIR || "/run/spinifex";
}

/** Parses one sidecar; throws an Error saying what is wrong with it. */
export function parseSidecar(text: string): Sidecar {
  const o = JSON.parse(text) as Record<string, unknown>;
  if (!o || typeof o !== "object" || Array.isArray(o)) throw new Error("not a JSON object");
  const { instance_id: id, account_id: account, vcpus, period_seconds: period, taps, socket } = o;
  if (typeof id !== "string" || !INSTANCE_ID.test(id)) throw new Error("instance_id is missing or not an instance id");
  if (typeof socket !== "string" || socket === "") throw new Error("socket is missing");
  if (account !== undefined && (typeof account !== "string" || !/^\d{12}$/.test(account))) throw new Error("account_id is not 12 digits");
  if (vcpus !== undefined && !(Number.isInteger(vcpus) && (vcpus as number) >= 0 && (vcpus as number) <= 1024)) throw new Error("vcpus is not a count");
  if (taps !== undefined && taps !== null && !(Array.isArray(taps) && taps.every((t) => typeof t === "string" && TAP.test(t)))) {
    throw new Error("taps is not a list of interface names");
  }
  return {
    instanceId: id,
    accountId: (account as string | undefined) || ROOT_ACCOUNT,
    vcpus: Math.max(1, (vcpus as number | undefined) ?? 1),
    periodSeconds: period === 60 ? 60 : 300,
    taps: (taps as string[] | undefined | null) ?? [],
    socket,
  };
}

export type Discovered = { file: string; sidecar: Sidecar } | { file: string; problem: string };

/** Every sidecar in `dir`, each parsed or with the reason it could not be. A missing directory has none. */
export async function discoverSidecars(dir: string): Promise<Discovered[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const files = names.filter((n) => n.startsWith(SIDECAR_PREFIX) && n.endsWith(".json")).sort();
  return Promise.all(
    files.map(async (name): Promise<Discovered> => {
      const file = join(dir, name);
      try {
        const text = await readFile(file, "utf8");
        if (text.length > 64 * 1024) return { file, problem: "larger than 64 KiB" };
        return { file, sidecar: parseSidecar(text) };
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        return { file, problem: code === "ENOENT" ? "vanished" : (e as Error).message };
      }
    }),
  );
}
