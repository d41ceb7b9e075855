// A small bar chart drawn as SVG (no library, no third-party origin). Labels are SVG text nodes,
// so a label is never parsed as markup.
const SVG = "http://www.w3.org/2000/svg";

function node(tag, attributes = {}, text) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

// bars: [{label, value}]; format: how a value is written beside its bar.
export function barChart(title, bars, { format = (value) => String(value), max } = {}) {
  const rowHeight = 26;
  const labelWidth = 130;
  const width = 420;
  const height = Math.max(1, bars.length) * rowHeight + 10;
  const top = max ?? Math.max(1, ...bars.map((bar) => bar.value || 0));
  const svg = node("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title });
  svg.append(node("title", {}, title));
  bars.forEach((bar, index) => {
    const y = 5 + index * rowHeight;
    const value = Number(bar.value) || 0;
    const length = Math.round(((width - labelWidth - 70) * value) / top);
    svg.append(node("text", { x: 0, y: y + 16 }, bar.label));
    svg.append(node("rect", { class: "bar", x: labelWidth, y, width: Math.max(length, 1), height: rowHeight - 8, "data-label": bar.label, "data-value": value }));
    svg.append(node("text", { x: labelWidth + length + 6, y: y + 16, class: "value" }, format(value)));
  });
  if (bars.length === 0) svg.append(node("text", { x: 0, y: 20 }, "No data yet"));
  const figure = document.createElement("figure");
  figure.className = "chart card";
  const caption = document.createElement("figcaption");
  caption.textContent = title;
  figure.append(caption, svg);
  return figure;
}
