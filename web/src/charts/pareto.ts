import { num, toMajor } from '../format';
import type { Pareto } from '../types';

/** The reason Pareto as a chart: revenue lost per reason (bars, reporting currency) and the cumulative share (line). */
export function paretoChartOption(report: Pareto, top: number) {
  const rows = report.reporting.rows.slice(0, top);
  const cur = report.reporting.currency;
  return {
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 64, right: 56, top: 64, bottom: 90 },
    xAxis: { type: 'category', data: rows.map((r) => r.label), axisLabel: { rotate: 35, interval: 0 } },
    yAxis: [
      { type: 'value', name: `Revenue lost (${cur})`, axisLabel: { formatter: (v: number) => `${num(v / 1000)}k` } },
      { type: 'value', name: 'Cumulative share', max: 100, axisLabel: { formatter: '{value} %' } },
    ],
    series: [
      { name: `Revenue lost (${cur})`, type: 'bar', data: rows.map((r) => Math.round(toMajor(r.revenue, cur))) },
      { name: 'Cumulative share (%)', type: 'line', yAxisIndex: 1, data: rows.map((r) => +((r.cumulativeShare ?? 0) * 100).toFixed(1)) },
    ],
  };
}
