// Chart.js (bundled by esbuild; no CDN), only the parts the dashboard uses.
import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  DoughnutController,
  Legend,
  LinearScale,
  Tooltip,
} from "chart.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, DoughnutController, ArcElement, Legend, Tooltip);

const PALETTE = ["#0f6fde", "#14804a", "#c0392b", "#a15c00", "#6b4fbb", "#16838f"];

export function barChart(canvas: HTMLCanvasElement, labels: string[], values: number[], label: string, colors: string | string[] = PALETTE): Chart {
  return new Chart(canvas, {
    type: "bar",
    data: { labels, datasets: [{ label, data: values, backgroundColor: colors }] },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: false } },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
}

/** Colours that mean something (answered green, abandoned red; a scale in one colour)
 * beat the palette's order. */
export const GOOD = "#14804a";
export const BAD = "#c0392b";
export const SCALE = "#6b4fbb"; // one colour for the steps of a scale (CSAT 1–5)

export function doughnutChart(canvas: HTMLCanvasElement, labels: string[], values: number[], colors: string[] = PALETTE): Chart {
  return new Chart(canvas, {
    type: "doughnut",
    data: { labels, datasets: [{ data: values, backgroundColor: colors }] },
    options: { responsive: true, maintainAspectRatio: false, animation: false },
  });
}
