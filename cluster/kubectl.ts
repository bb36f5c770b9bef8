import { spawnSync } from 'child_process';

/** What one kubectl call gave. */
export interface KubectlResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs kubectl with the arguments (and the standard input); the real one names the context. */
export type Kubectl = (args: string[], input?: string) => KubectlResult;

/** kubectl itself, every call with `--context`. */
export function kubectlIn(context: string): Kubectl {
  return (args, input) => {
    const result = spawnSync('kubectl', ['--context', context, ...args], { input, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return { status: result.status ?? 1, stdout: result.stdout ?? '', stderr: result.error?.message ?? result.stderr ?? '' };
  };
}

/** Both outputs, as a terminal would show them. */
export function allOutput(result: KubectlResult): string {
  return [result.stdout, result.stderr].filter((t) => t.trim() !== '').join('\n').trim();
}
