// Draws a scale curve as a small SVG chart (docs/benchmarks/<id>.svg) with vega-lite, rendered
// server-side by vega without a canvas: one line and one point per series, the x axis on a log
// scale when the points span two orders of magnitude or more.
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Curve } from './scenarios/scale/curve';

/** Points spanning at least this factor get a logarithmic x axis. */
const LOG_SPAN = 100;

export function chartSpec(curve: Curve): TopLevelSpec {
  const values = curve.points.flatMap((point) =>
    curve.chartSeries.flatMap((series) => (point.values[series] === undefined ? [] : [{ x: point.x, series, value: point.values[series] }])),
  );
  const xs = curve.points.map((point) => point.x);
  const logX = xs.length > 1 && Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) >= LOG_SPAN;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: curve.title,
    width: 360,
    height: 200,
    background: 'white',
    data: { values },
    mark: { type: 'line', point: { filled: true, size: 50 } },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: curve.xLabel, scale: logX ? { type: 'log' } : { zero: false }, axis: { format: '~s' } },
      y: { field: 'value', type: 'quantitative', title: curve.yLabel },
      color: { field: 'series', type: 'nominal', title: null, legend: { orient: 'bottom', columns: 2 } },
    },
  };
}

export async function renderChart(curve: Curve): Promise<string> {
  const view = new View(parse(compile(chartSpec(curve)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
