/**
 * The admin dashboard: one self-contained HTML page (inline CSS, JS and SVG; no external
 * asset, so it works offline and under a strict Content-Security-Policy that allows only
 * these exact inline blocks by hash). It polls `health` and `metrics` beside itself.
 */

/** What the page is configured with (HTML-escaped into a JSON data block). */
export interface DashboardConfig {
  readonly title: string
  readonly refreshMs: number
}

/** The page and the hashes its Content-Security-Policy needs. */
export interface DashboardPage {
  readonly html: string
  readonly contentSecurityPolicy: string
}

let hashes: Promise<{ script: string; style: string }> | undefined

/** Renders the page for `config`. */
export async function dashboardPage(config: DashboardConfig): Promise<DashboardPage> {
  hashes ??= Promise.all([sha256Base64(SCRIPT), sha256Base64(STYLE)]).then(([script, style]) => ({ script, style }))
  const { script, style } = await hashes
  const data = JSON.stringify(config).replaceAll('<', '\\u003c')
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(config.title)} · cachekit</title>
<style>${STYLE}</style>
</head>
<body>
${BODY.replace('{{title}}', escapeHtml(config.title))}
<script type="application/json" id="config">${data}</script>
<script>${SCRIPT}</script>
</body>
</html>
`
  const contentSecurityPolicy = [
    "default-src 'none'",
    `script-src 'sha256-${script}'`,
    `style-src 'sha256-${style}'`,
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
  return { html, contentSecurityPolicy }
}

async function sha256Base64(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))
  let binary = ''
  for (const byte of new Uint8Array(digest)) binary += String.fromCharCode(byte)
  return btoa(binary)
}

function escapeHtml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;')
}

const STYLE = `
:root{--bg:#0f1419;--panel:#182029;--line:#263241;--text:#e6edf3;--muted:#8b98a5;--ok:#3fb950;--warn:#d29922;--crit:#f85149;--accent:#58a6ff}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
header{display:flex;align-items:center;gap:12px;padding:16px 24px;border-bottom:1px solid var(--line)}
header h1{font-size:18px;margin:0;font-weight:600}
header .meta{color:var(--muted);margin-left:auto;font-size:12px}
.pill{display:inline-block;padding:2px 10px;border-radius:999px;font-size:12px;font-weight:600;text-transform:uppercase;letter-spacing:.04em;background:var(--line)}
.pill.healthy,.pill.ok,.pill.closed{background:rgba(63,185,80,.18);color:var(--ok)}
.pill.degraded,.pill.warn,.pill.half-open{background:rgba(210,153,34,.18);color:var(--warn)}
.pill.unhealthy,.pill.critical,.pill.open,.pill.unreachable{background:rgba(248,81,73,.18);color:var(--crit)}
main{padding:20px 24px;display:grid;gap:16px;grid-template-columns:repeat(auto-fit,minmax(260px,1fr))}
section{background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:16px;min-width:0;overflow-x:auto}
section.wide{grid-column:1/-1}
section.double{grid-column:span 2}
@media (max-width:700px){section.double{grid-column:auto}}
section h2{font-size:13px;margin:0 0 12px;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.06em}
.gauge{display:flex;align-items:center;gap:16px}
.gauge svg{width:110px;height:110px;flex:none}
.gauge .track{fill:none;stroke:var(--line);stroke-width:12}
.gauge .value{fill:none;stroke:var(--ok);stroke-width:12;stroke-linecap:round;transform:rotate(-90deg);transform-origin:60px 60px;transition:stroke-dasharray .4s}
.gauge .value.warn{stroke:var(--warn)}
.gauge .value.critical{stroke:var(--crit)}
.gauge text{fill:var(--text);font-size:20px;font-weight:600;text-anchor:middle;dominant-baseline:middle}
.facts{display:grid;grid-template-columns:auto 1fr;gap:2px 12px;font-size:13px}
.facts dt{color:var(--muted)}
.facts dd{margin:0;font-variant-numeric:tabular-nums}
table{width:100%;border-collapse:collapse;font-size:13px;font-variant-numeric:tabular-nums}
th{text-align:left;color:var(--muted);font-weight:500;padding:4px 8px;border-bottom:1px solid var(--line)}
td{padding:5px 8px;border-bottom:1px solid var(--line)}
td.num,th.num{text-align:right}
.bar{height:8px;border-radius:4px;background:var(--line);min-width:80px;overflow:hidden}
.bar span{display:block;height:100%;background:var(--ok)}
.bar span.low{background:var(--crit)}
.bar span.mid{background:var(--warn)}
.empty{color:var(--muted);font-style:italic}
ul.events{list-style:none;margin:0;padding:0;max-height:260px;overflow:auto;font-size:13px}
ul.events li{padding:4px 0;border-bottom:1px solid var(--line);display:flex;gap:8px}
ul.events time{color:var(--muted);flex:none;font-variant-numeric:tabular-nums}
ul.events .warning{color:var(--warn)}
ul.events .critical{color:var(--crit)}
ul.issues{margin:0;padding-left:18px}
ul.issues li.warning{color:var(--warn)}
ul.issues li.critical{color:var(--crit)}
form{display:flex;gap:8px;flex-wrap:wrap}
select,input,button{background:var(--bg);color:var(--text);border:1px solid var(--line);border-radius:6px;padding:6px 8px;font:inherit}
input{flex:1;min-width:160px}
button{cursor:pointer;border-color:var(--accent);color:var(--accent)}
#invalidate-result{margin-top:8px;font-size:12px;color:var(--muted);word-break:break-all}
#error{display:none;margin:16px 24px 0;padding:10px 14px;border-radius:8px;background:rgba(248,81,73,.12);color:var(--crit)}
#error.shown{display:block}
`

const BODY = `<header>
<h1>{{title}}</h1>
<span id="status" class="pill">loading</span>
<span class="meta" id="updated">waiting for data…</span>
</header>
<div id="error" role="alert"></div>
<main>
<section id="memory-panel">
<h2>Memory</h2>
<div class="gauge">
<svg viewBox="0 0 120 120" role="img" aria-label="memory usage"><circle class="track" cx="60" cy="60" r="48"/><circle id="memory-arc" class="value" cx="60" cy="60" r="48" stroke-dasharray="0 302"/><text id="memory-percent" x="60" y="60">–</text></svg>
<dl class="facts"><dt>used</dt><dd id="memory-used">–</dd><dt>limit</dt><dd id="memory-limit">–</dd><dt>from</dt><dd id="memory-source">–</dd><dt>policy</dt><dd id="memory-policy">–</dd><dt>evicted</dt><dd id="memory-evicted">–</dd></dl>
</div>
</section>
<section id="hit-panel">
<h2>Hit rate</h2>
<div class="gauge">
<svg viewBox="0 0 120 120" role="img" aria-label="cache hit rate"><circle class="track" cx="60" cy="60" r="48"/><circle id="hit-arc" class="value" cx="60" cy="60" r="48" stroke-dasharray="0 302"/><text id="hit-percent" x="60" y="60">–</text></svg>
<dl class="facts"><dt>hits</dt><dd id="hits">–</dd><dt>stale</dt><dd id="stale-hits">–</dd><dt>misses</dt><dd id="misses">–</dd><dt>server</dt><dd id="server-hit-rate">–</dd></dl>
</div>
</section>
<section id="guard-panel">
<h2>Memory guard</h2>
<p><span id="guard-state" class="pill">–</span></p>
<dl class="facts"><dt>warn at</dt><dd id="guard-warn">–</dd><dt>critical at</dt><dd id="guard-critical">–</dd><dt>skipped writes</dt><dd id="guard-skipped">–</dd><dt>evicted keys</dt><dd id="guard-evicted">–</dd><dt>last check</dt><dd id="guard-checked">–</dd></dl>
</section>
<section id="server-panel">
<h2>Server</h2>
<dl class="facts"><dt>driver</dt><dd id="driver">–</dd><dt>server</dt><dd id="server">–</dd><dt>ping</dt><dd id="ping">–</dd><dt>p50 / p99</dt><dd id="latency">–</dd><dt>error rate</dt><dd id="error-rate">–</dd><dt>circuit</dt><dd><span id="circuit" class="pill">–</span></dd><dt>ops/sec</dt><dd id="ops">–</dd><dt>clients</dt><dd id="clients">–</dd><dt>uptime</dt><dd id="uptime">–</dd></dl>
</section>
<section class="wide" id="issues-panel">
<h2>Issues</h2>
<ul class="issues" id="issues"><li class="empty">none</li></ul>
</section>
<section class="wide" id="families-panel">
<h2>Hit rate per key family</h2>
<table><thead><tr><th>family</th><th class="num">hits</th><th class="num">stale</th><th class="num">misses</th><th class="num">loads</th><th class="num">p99 load</th><th class="num">errors</th><th>hit rate</th><th class="num"></th></tr></thead><tbody id="families"></tbody></table>
</section>
<section id="ratelimit-panel">
<h2>Rate-limit denials</h2>
<table><thead><tr><th>policy</th><th class="num">denied</th><th class="num">allowed</th></tr></thead><tbody id="ratelimits"></tbody></table>
</section>
<section class="double" id="features-panel">
<h2>Feature counters</h2>
<table><thead><tr><th>metric</th><th>labels</th><th class="num">value</th></tr></thead><tbody id="features"></tbody></table>
</section>
<section class="wide" id="events-panel">
<h2>Recent events</h2>
<ul class="events" id="events"><li class="empty">none yet</li></ul>
</section>
<section class="wide" id="invalidate-panel">
<h2>Invalidate</h2>
<form id="invalidate-form"><select id="invalidate-kind"><option value="key">key</option><option value="tag">tag</option><option value="pattern">pattern</option></select><input id="invalidate-value" placeholder="user:42" autocomplete="off" required><button type="submit">Invalidate</button></form>
<div id="invalidate-result"></div>
</section>
</main>`

const SCRIPT = `
(function(){
'use strict';
var config = JSON.parse(document.getElementById('config').textContent);
var base = location.pathname.replace(/\\/+$/, '');
var query = location.search;
var CIRCUMFERENCE = 2 * Math.PI * 48;
function $(id){ return document.getElementById(id); }
function text(id, value){ $(id).textContent = value; }
function pct(ratio){ return ratio == null ? '–' : (ratio * 100).toFixed(1) + '%'; }
function bytes(n){ if (n == null) return '–'; var u = ['B','KB','MB','GB','TB'], i = 0; while (Math.abs(n) >= 1024 && i < u.length - 1) { n /= 1024; i++; } return i === 0 ? n + ' B' : n.toFixed(1) + ' ' + u[i]; }
function num(n){ return n == null ? '–' : Number(n).toLocaleString('en-US'); }
function ms(n){ return n == null ? '–' : n < 1 ? n.toFixed(2) + ' ms' : n.toFixed(1) + ' ms'; }
function duration(s){ if (!s) return '–'; var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60); return (d ? d + 'd ' : '') + (h ? h + 'h ' : '') + m + 'm'; }
function pill(id, value){ var el = $(id); el.textContent = value; el.className = 'pill ' + value; }
function gauge(id, ratio, level){ var arc = $(id); var r = Math.max(0, Math.min(1, ratio || 0)); arc.setAttribute('stroke-dasharray', (r * CIRCUMFERENCE).toFixed(1) + ' ' + CIRCUMFERENCE.toFixed(1)); arc.setAttribute('class', 'value' + (level ? ' ' + level : '')); }
function cell(row, value, className){ var td = document.createElement('td'); if (className) td.className = className; td.textContent = value; row.appendChild(td); return td; }
function emptyRow(body, columns, message){ var row = document.createElement('tr'); var td = cell(row, message, 'empty'); td.colSpan = columns; body.appendChild(row); }
function get(path){ return fetch(base + path + query, { credentials: 'same-origin', headers: { accept: 'application/json' } }).then(function(r){ if (r.status === 401 || r.status === 403) throw new Error('not authorized (' + r.status + ')'); return r.json(); }); }

function renderHealth(h){
  pill('status', h.status);
  text('driver', h.driver.name);
  text('server', h.driver.server || '–');
  text('ping', h.driver.pingMs == null ? 'no answer' : ms(h.driver.pingMs));
  text('latency', h.latency.calls ? ms(h.latency.p50Ms) + ' / ' + ms(h.latency.p99Ms) : '–');
  text('error-rate', h.errorRate == null ? '–' : pct(h.errorRate));
  pill('circuit', h.circuit);
  var list = $('issues'); list.textContent = '';
  if (!h.issues.length) { var none = document.createElement('li'); none.className = 'empty'; none.textContent = 'none'; list.appendChild(none); }
  h.issues.forEach(function(issue){ var li = document.createElement('li'); li.className = issue.severity; li.textContent = issue.severity + ': ' + issue.message; list.appendChild(li); });
}

function renderMetrics(m){
  var mem = m.memory, guard = m.guard;
  var level = guard.state === 'ok' ? '' : guard.state;
  if (mem && mem.ratio != null) { gauge('memory-arc', mem.ratio, level || (mem.ratio >= guard.thresholds.criticalAt ? 'critical' : mem.ratio >= guard.thresholds.warnAt ? 'warn' : '')); text('memory-percent', pct(mem.ratio)); }
  else { gauge('memory-arc', 0, ''); text('memory-percent', mem ? 'no limit' : '–'); }
  text('memory-used', mem ? bytes(mem.usedBytes) : '–');
  $('memory-used').title = mem && mem.node ? 'fullest node: ' + mem.node : '';
  text('memory-limit', mem && mem.limitBytes != null ? bytes(mem.limitBytes) : 'none');
  text('memory-source', mem ? mem.limitSource : '–');
  text('memory-policy', mem && mem.policy || '–');
  text('memory-evicted', mem ? num(mem.evictedKeys) : '–');
  var t = m.cache.totals;
  gauge('hit-arc', t.hitRate, t.hitRate == null ? '' : t.hitRate < 0.5 ? 'critical' : t.hitRate < 0.7 ? 'warn' : '');
  text('hit-percent', pct(t.hitRate));
  text('hits', num(t.hits)); text('stale-hits', num(t.staleHits)); text('misses', num(t.misses));
  text('server-hit-rate', m.server ? pct(m.server.totals.hitRate) : '–');
  pill('guard-state', guard.state);
  text('guard-warn', pct(guard.thresholds.warnAt)); text('guard-critical', pct(guard.thresholds.criticalAt));
  text('guard-skipped', sum(guard.skippedWrites)); text('guard-evicted', sum(guard.evictedKeys));
  text('guard-checked', guard.lastReport ? new Date(guard.lastReport.checkedAt).toLocaleTimeString() + (guard.running ? '' : ' (timer off)') : guard.running ? 'pending' : 'never (timer off)');
  text('ops', m.server ? num(m.server.totals.opsPerSec) : '–');
  text('clients', m.server ? num(m.server.totals.connectedClients) : '–');
  text('uptime', m.server ? duration(m.server.totals.uptimeSeconds) : '–');
  renderFamilies(m.cache.families);
  renderFeatures(m.features);
  renderEvents(m.events);
}

function sum(record){ var total = 0; for (var k in record) total += record[k]; return num(total); }

function renderFamilies(families){
  var body = $('families'); body.textContent = '';
  var names = Object.keys(families).sort();
  if (!names.length) return emptyRow(body, 9, 'no cache reads yet');
  names.forEach(function(name){
    var f = families[name], row = document.createElement('tr');
    var reads = f.hits + f.staleHits + f.misses;
    cell(row, name); cell(row, num(f.hits), 'num'); cell(row, num(f.staleHits), 'num'); cell(row, num(f.misses), 'num'); cell(row, num(f.loads), 'num'); cell(row, ms(f.loadMs.p99), 'num'); cell(row, num(f.errors + f.loadErrors), 'num');
    var barCell = cell(row, ''), bar = document.createElement('div'), fill = document.createElement('span');
    bar.className = 'bar'; fill.className = reads === 0 ? '' : f.hitRate < 0.5 ? 'low' : f.hitRate < 0.7 ? 'mid' : ''; fill.style.width = (reads ? f.hitRate * 100 : 0).toFixed(1) + '%';
    bar.appendChild(fill); barCell.appendChild(bar);
    cell(row, reads ? pct(f.hitRate) : '–', 'num');
    row.dataset.family = name; body.appendChild(row);
  });
}

function renderFeatures(features){
  var limits = $('ratelimits'), all = $('features'); limits.textContent = ''; all.textContent = '';
  var policies = {};
  features.forEach(function(metric){
    metric.samples.forEach(function(sample){
      var row = document.createElement('tr'), labels = Object.keys(sample.labels).map(function(k){ return k + '=' + sample.labels[k]; }).join(', ');
      cell(row, metric.name); cell(row, labels); cell(row, num(sample.value), 'num'); all.appendChild(row);
      if (/ratelimit/.test(metric.name)) {
        var policy = sample.labels.policy || '(all)', outcome = sample.labels.outcome || sample.labels.result || (/denied|denials/.test(metric.name) ? 'denied' : 'allowed');
        policies[policy] = policies[policy] || { denied: 0, allowed: 0 };
        policies[policy][/^(denied|deny|blocked|limited)$/.test(outcome) ? 'denied' : 'allowed'] += sample.value;
      }
    });
  });
  if (!all.children.length) emptyRow(all, 3, 'no feature metrics registered');
  var names = Object.keys(policies).sort();
  if (!names.length) return emptyRow(limits, 3, 'no rate-limit metrics registered');
  names.forEach(function(name){ var row = document.createElement('tr'); cell(row, name); cell(row, num(policies[name].denied), 'num'); cell(row, num(policies[name].allowed), 'num'); limits.appendChild(row); });
}

function renderEvents(events){
  var list = $('events'); list.textContent = '';
  if (!events.length) { var none = document.createElement('li'); none.className = 'empty'; none.textContent = 'none yet'; list.appendChild(none); return; }
  events.forEach(function(event){ var li = document.createElement('li'), time = document.createElement('time'), span = document.createElement('span'); time.textContent = new Date(event.at).toLocaleTimeString(); span.className = event.severity; span.textContent = event.message; li.appendChild(time); li.appendChild(span); list.appendChild(li); });
}

function refresh(){
  Promise.all([get('/health'), get('/metrics')]).then(function(results){
    renderHealth(results[0]); renderMetrics(results[1]);
    $('error').className = ''; text('updated', 'updated ' + new Date().toLocaleTimeString() + ' · every ' + Math.round(config.refreshMs / 1000) + ' s');
    document.body.dataset.loaded = 'true';
  }).catch(function(error){ var box = $('error'); box.textContent = 'Could not load data: ' + error.message; box.className = 'shown'; pill('status', 'unreachable'); })
    .then(function(){ setTimeout(refresh, config.refreshMs); });
}

$('invalidate-form').addEventListener('submit', function(event){
  event.preventDefault();
  var kind = $('invalidate-kind').value, value = $('invalidate-value').value, body = {};
  body[kind] = value;
  fetch(base + '/invalidate' + query, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    .then(function(r){ return r.json(); })
    .then(function(result){ text('invalidate-result', JSON.stringify(result)); })
    .catch(function(error){ text('invalidate-result', 'failed: ' + error.message); });
});

refresh();
})();
`
