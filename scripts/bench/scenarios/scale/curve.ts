// How a cost grows: one curve per measured quantity of the `scale` scenario, each point measured in
// the same run. Rendered as a table and as a chart (docs/benchmarks/<id>.svg) by the report.

import type { BenchSettings } from '../../context';
import type { PostgresCluster } from '../../postgres';
import type { EmulatorService } from '../../processes';

export interface CurvePoint {
  /** The size at this point: stored events, open streams, members, rows, instances. */
  x: number;
  /** Figures measured at this point, by series name (e.g. "first page p99 ms"). */
  values: Record<string, number>;
}

export interface CurveGoal {
  /** What must hold, in words, e.g. "p99 at 1M <= 2x p99 at 10k". */
  goal: string;
  /** What was measured, in words, e.g. "1.4x". */
  measured: string;
  pass: boolean;
}

export interface Curve {
  /** File-name-safe identifier, also the chart's name: `event-history`, `streams`, ... */
  id: string;
  title: string;
  xLabel: string;
  /** The unit shared by every series value, shown on the chart's y axis. */
  yLabel: string;
  /** The series drawn on the chart (the table shows every value). */
  chartSeries: string[];
  points: CurvePoint[];
  goals: CurveGoal[];
  /** Caveats worth printing beside the table (e.g. "2 cores: a smoke figure"). */
  notes: string[];
}

/** What a scale runner is given; every runner starts (and stops) the bridges it needs. */
export interface ScaleEnv {
  settings: BenchSettings;
  emulator: EmulatorService;
  /** Scale runs on PostgreSQL, as production does. */
  postgres: PostgresCluster;
  logDir: string;
  cpuProfileDir?: string;
  bridgeEnv: Record<string, string>;
  bridgeDist?: string;
  log(line: string): void;
}

/** One curve of the `scale` scenario: `--points <name>=a,b,c` replaces its default points. */
export interface ScaleRunner {
  name: string;
  defaultPoints: number[];
  run(env: ScaleEnv, points: number[]): Promise<Curve>;
}
