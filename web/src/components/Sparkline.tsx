// A small live chart: one series as SVG polylines, scaled to its own maximum. The series may
// span stages (the compiler's samples, then the program's): each stage is its own line, the
// compiler's dashed, and the caption names the stages with their figures.
import type { Stage } from '../state/run';

export interface SparkPoint {
  value: number;
  stage: Stage;
}

export interface SparklineProps {
  label: string;
  points: SparkPoint[];
  /** What the caption says per stage (e.g. its peak), in stage order. */
  captions: { stage: Stage; value: string; title: string }[];
  /** A floor for the scale (CPU is drawn against at least 100 %). */
  minMax?: number;
}

export function Sparkline({ label, points, captions, minMax = 1 }: SparklineProps) {
  const width = 120;
  const height = 28;
  const max = Math.max(minMax, ...points.map((p) => p.value));
  const step = points.length > 1 ? width / (points.length - 1) : width;
  const y = (v: number) => (height - (v / max) * (height - 2) - 1).toFixed(1);
  // Runs of one stage, each drawn as its own line; a single sample is a level line.
  const runs: { stage: Stage; from: number; values: number[] }[] = [];
  points.forEach((p, i) => {
    const last = runs.at(-1);
    if (last && last.stage === p.stage) last.values.push(p.value);
    else runs.push({ stage: p.stage, from: i, values: [p.value] });
  });
  const line = (run: (typeof runs)[number]) =>
    points.length === 1
      ? `0,${y(run.values[0])} ${width},${y(run.values[0])}`
      : run.values.map((v, i) => `${((run.from + i) * step).toFixed(1)},${y(v)}`).join(' ');
  return (
    <figure className="spark" aria-label={`${label} over the run`}>
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-hidden="true">
        {runs.map((run) => (
          <polyline
            key={`${run.stage}-${run.from}`}
            data-stage={run.stage}
            className={`spark-${run.stage}`}
            points={line(run)}
            fill="none"
            stroke="currentColor"
            strokeWidth="1.5"
            strokeDasharray={run.stage === 'compile' ? '3 2' : undefined}
          />
        ))}
      </svg>
      <figcaption>
        {label}
        {captions.length === 0 && <strong> –</strong>}
        {captions.map((c) => (
          <span key={c.stage} className={`spark-stage spark-stage-${c.stage}`} data-stage={c.stage} title={c.title}>
            {' '}
            {c.stage} <strong>{c.value}</strong>
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
