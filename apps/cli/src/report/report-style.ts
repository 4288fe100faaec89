/** The page's own styles, after uPlot's. */
export const REPORT_STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
dl#summary { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dt { font-weight: 600; }
dd { margin: 0; }
#timeline { border: 1px solid #ddd; max-height: 60vh; overflow-y: auto; }
.lane { display: flex; align-items: center; height: 14px; font-size: 11px; }
.lane:nth-child(odd) { background: #f7f7f7; }
.lane-label { width: 18em; flex: none; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; padding: 0 0.5em; }
.track { position: relative; flex: 1; height: 10px; }
.track .bar { position: absolute; top: 0; height: 10px; }
.bar { display: inline-block; min-width: 2px; width: 1em; height: 10px; }
.bar.queued { background: #bbb; }
.bar.pulling { background: #f0ad4e; }
.bar.running { background: #2ca02c; }
.bar.running.failed { background: #d62728; }
.chart { width: 100%; }
details.failure summary { font-weight: 600; cursor: pointer; margin: 0.3em 0; }
pre { background: #f4f4f4; padding: 0.5em; max-height: 20em; overflow: auto; white-space: pre-wrap; }
table { border-collapse: collapse; font-size: 12px; }
th, td { border: 1px solid #ddd; padding: 2px 6px; text-align: left; }
`;
