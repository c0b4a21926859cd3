/** A small chart of the running weighted average (computed by the server), drawn as SVG from numbers only. */
export function Trend({ points, label, min, max }: { points: number[]; label: string; min: number; max: number }) {
  if (points.length < 2) return null;
  const W = 120;
  const H = 32;
  const x = (i: number) => (i / (points.length - 1)) * (W - 4) + 2;
  const y = (v: number) => H - 2 - ((v - min) / (max - min || 1)) * (H - 4);
  const d = points.map((v, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  return (
    <svg className="trend" viewBox={`0 0 ${W} ${H}`} width={W} height={H} role="img" aria-label={label}>
      <path d={d} fill="none" stroke="currentColor" strokeWidth="2" strokeLinejoin="round" />
      <circle cx={x(points.length - 1)} cy={y(points[points.length - 1]!)} r="2.5" fill="currentColor" />
    </svg>
  );
}
