// The command the bench sends: allowed for the bench's device class by scripts/bench/command-policy.json.
export interface BenchCommand {
  action: string;
  parameters?: Record<string, unknown>;
}

export function benchCommand(): BenchCommand {
  return { action: 'switch', parameters: { on: true } };
}
