// A small live chart: one series as an SVG polyline, scaled to its own maximum.
export interface SparklineProps {
  label: string;
  values: number[];
  format: (v: number) => string;
  /** A floor for the scale (CPU is drawn against at least 100 %). */
  minMax?: number;
}

export function Sparkline({ label, values, format, minMax = 1 }: SparklineProps) {
  const width = 120;
  const height = 28;
  const max = Math.max(minMax, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const y = (v: number) => (height - (v / max) * (height - 2) - 1).toFixed(1);
  // A single sample (a short run) is drawn as a level line rather than nothing.
  const points =
    values.length === 1
      ? `0,${y(values[0])} ${width},${y(values[0])}`
      : values.map((v, i) => `${(i * step).toFixed(1)},${y(v)}`).join(' ');
  const last = values.at(-1);
  return (
    <figure className="spark" aria-label={`${label} over the run`}>
      <svg width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-hidden="true">
        {values.length > 0 && <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1.5" />}
      </svg>
      <figcaption>
        {label} <strong>{last === undefined ? '–' : format(last)}</strong>
      </figcaption>
    </figure>
  );
}
