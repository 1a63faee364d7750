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

export function barChart(canvas: HTMLCanvasElement, labels: string[], values: number[], label: string): Chart {
  return new Chart(canvas, {
    type: "bar",
    data: { labels, datasets: [{ label, data: values, backgroundColor: PALETTE }] },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: false } },
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
}

export function doughnutChart(canvas: HTMLCanvasElement, labels: string[], values: number[]): Chart {
  return new Chart(canvas, {
    type: "doughnut",
    data: { labels, datasets: [{ data: values, backgroundColor: PALETTE }] },
    options: { responsive: true, maintainAspectRatio: false, animation: false },
  });
}
