import { useEffect, useRef, useState } from 'react';
import type { EChartsCoreOption } from 'echarts/core';

type ECharts = typeof import('./../charts/echarts').default;
let loading: Promise<ECharts> | undefined;
const loadECharts = () => (loading ??= import('../charts/echarts').then((m) => m.default));

export const PALETTE = ['#2f6db5', '#e07b39', '#3a9d7a', '#c0504d', '#8064a2', '#d4a72c', '#4bacc6', '#7f7f7f', '#9bbb59', '#f79646'];

/** An echarts chart, loaded on demand. `label` names it for screen readers and tests (it says what is plotted and in which unit). */
export function Chart({ option, label, height = 280 }: { option: EChartsCoreOption; label: string; height?: number }) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<ReturnType<ECharts['init']> | null>(null);
  const [failed, setFailed] = useState<string | null>(null);

  useEffect(() => {
    let disposed = false;
    let observer: ResizeObserver | undefined;
    loadECharts()
      .then((echarts) => {
        if (disposed || !ref.current) return;
        chart.current = echarts.init(ref.current, undefined, { renderer: 'svg' });
        chart.current.setOption({ color: PALETTE, textStyle: { fontFamily: 'inherit' }, ...option }, true);
        observer = new ResizeObserver(() => chart.current?.resize());
        observer.observe(ref.current);
        ref.current.dataset.rendered = 'true';
      })
      .catch((e: unknown) => setFailed(String(e)));
    return () => {
      disposed = true;
      observer?.disconnect();
      chart.current?.dispose();
      chart.current = null;
    };
    // The chart is created once; option changes are applied below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    chart.current?.setOption({ color: PALETTE, textStyle: { fontFamily: 'inherit' }, ...option }, true);
  }, [option]);

  if (failed) return <div className="error-box">The chart could not be drawn: {failed}</div>;
  return <div className="chart" ref={ref} role="img" aria-label={label} data-chart={label} style={{ height }} />;
}
