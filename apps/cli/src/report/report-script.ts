/**
 * The page's own script, run after uPlot's: it draws the timeline and the charts from the embedded JSON. Task text
 * only ever reaches the page through textContent, never as markup.
 */
export const REPORT_SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('capstan-data').textContent);
  var rows = data.rows;
  var t = function (iso) { return Date.parse(iso); };
  var first = Infinity, last = -Infinity;
  rows.forEach(function (r) { first = Math.min(first, t(r.submit)); last = Math.max(last, t(r.end)); });
  var span = Math.max(1, last - first);
  var pct = function (ms) { return (100 * (ms - first) / span) + '%'; };
  var timeline = document.getElementById('timeline');
  rows.forEach(function (r) {
    var lane = document.createElement('div');
    lane.className = 'lane';
    lane.dataset.task = r.unique_name;
    var label = document.createElement('span');
    label.className = 'lane-label';
    label.textContent = r.unique_name + ' #' + r.attempt;
    var track = document.createElement('span');
    track.className = 'track';
    var queuedEnd = t(r.submit) + Number(r.queue_ms || 0);
    [['queued', t(r.submit), queuedEnd], ['pulling', queuedEnd, t(r.start)], ['running', t(r.start), t(r.end)]].forEach(function (phase) {
      if (!(phase[2] > phase[1])) return;
      var bar = document.createElement('span');
      bar.className = 'bar ' + phase[0] + (phase[0] === 'running' && !(r.end_reason === 'exited' && r.exit_code === '0') ? ' failed' : '');
      bar.style.left = pct(phase[1]);
      bar.style.width = (100 * (phase[2] - phase[1]) / span) + '%';
      bar.title = phase[0] + ' ' + ((phase[2] - phase[1]) / 1000).toFixed(1) + ' s';
      track.appendChild(bar);
    });
    lane.appendChild(label);
    lane.appendChild(track);
    timeline.appendChild(lane);
  });
  var xs = rows.map(function (_, i) { return i; });
  var num = function (v, f) { return v === '' ? null : Number(v) * f; };
  var MiB = 1 / 1048576;
  var chart = function (id, unit, used, asked) {
    var el = document.getElementById(id);
    var opts = {
      width: Math.max(300, el.clientWidth || 800), height: 260,
      scales: { x: { time: false, range: function (u, min, max) { return [min - 0.5, max + 0.5]; } } },
      axes: [{ label: 'attempt (trace row)', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] }, { label: unit }],
      series: [
        { label: 'row', value: function (u, i) { return i == null ? '' : (rows[i] ? rows[i].unique_name + ' #' + rows[i].attempt : ''); } },
        { label: 'used', stroke: '#1f77b4', fill: 'rgba(31,119,180,0.35)', paths: uPlot.paths.bars({ size: [0.8, 40] }), points: { show: false } },
        { label: 'requested', stroke: '#d62728', paths: function () { return null; }, points: { show: true, size: 6, fill: '#d62728' } },
      ],
    };
    new uPlot(opts, [xs, used, asked], el);
  };
  chart('cpu-chart', 'CPU % (100 = one CPU)', rows.map(function (r) { return num(r.cpu_percent, 1); }), rows.map(function (r) { return num(r.cpu_request, 100); }));
  chart('memory-chart', 'memory (MiB)', rows.map(function (r) { return num(r.peak_memory_bytes, MiB); }), rows.map(function (r) { return num(r.memory_request_bytes, MiB); }));
  document.body.dataset.ready = 'true';
})();
`;
