/**
 * The page's only stylesheet and script, served as files so the Content-Security-Policy can forbid
 * inline code. The script is progressive: every form works without it; it only refreshes the
 * outbox panel and the admin's command list.
 */
export const STYLESHEET = `
:root { --ink: #1d2330; --muted: #5a6275; --line: #d8dce5; --ok: #1f7a3d; --bad: #a3262a; --warn: #8a5a00; --accent: #2450b2; --bg: #f5f6f9; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
header.top { background: #1d2f5c; color: #fff; padding: 0.7rem 1.5rem; display: flex; gap: 1rem; align-items: baseline; }
header.top strong { font-size: 1.1rem; }
header.top span { color: #c9d3ee; font-size: 0.9rem; }
.layout { display: grid; grid-template-columns: minmax(0, 1fr) 21rem; gap: 1.5rem; max-width: 72rem; margin: 1.5rem auto; padding: 0 1.5rem; }
.layout.wide { grid-template-columns: minmax(0, 1fr); max-width: 100rem; }
.scroll { overflow-x: auto; }
main, aside { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1.2rem 1.5rem; }
h1 { font-size: 1.45rem; margin: 0 0 0.6rem; }
h2 { font-size: 1.1rem; margin: 1.4rem 0 0.5rem; }
p.lead { color: var(--muted); margin-top: 0; }
label { display: block; font-weight: 600; margin: 0.8rem 0 0.25rem; }
fieldset { border: 1px solid var(--line); border-radius: 6px; margin: 0.8rem 0; padding: 0.4rem 0.9rem 0.7rem; }
legend { font-weight: 600; padding: 0 0.3rem; }
fieldset label { display: flex; gap: 0.5rem; align-items: center; font-weight: 400; margin: 0.35rem 0; }
input[type=text], input[type=password] { display: block; width: 100%; max-width: 24rem; padding: 0.5rem 0.6rem; font: inherit; border: 1px solid #aab1c2; border-radius: 5px; }
input:focus-visible, button:focus-visible, a:focus-visible { outline: 3px solid #f0b400; outline-offset: 2px; }
button { font: inherit; font-weight: 600; padding: 0.5rem 1rem; margin: 0.9rem 0.5rem 0 0; border-radius: 5px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: var(--accent); }
form.inline { display: inline; }
.notice { border-left: 4px solid var(--accent); background: #eef2fb; padding: 0.6rem 0.9rem; border-radius: 4px; margin: 0.8rem 0; }
.notice.ok { border-color: var(--ok); background: #e9f6ee; }
.notice.bad { border-color: var(--bad); background: #fbecec; }
.notice.warn { border-color: var(--warn); background: #fdf5e3; }
.code { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: 0.85rem; color: var(--muted); }
ul.rules { padding-left: 1.2rem; margin: 0.3rem 0; }
dl.state { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; margin: 0.5rem 0; }
dl.state dt { color: var(--muted); }
dl.state dd { margin: 0; }
aside h2 { margin-top: 0; }
aside .msg { border: 1px solid var(--line); border-radius: 6px; padding: 0.5rem 0.7rem; margin: 0.5rem 0; font-size: 0.92rem; }
aside .msg .meta { color: var(--muted); font-size: 0.8rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
.admin-grid { display: grid; grid-template-columns: 19rem minmax(0, 1fr); gap: 2rem; align-items: start; }
.admin-grid h2 { margin-top: 0.6rem; }
#command-rows td { white-space: nowrap; }
@media (max-width: 1000px) { .admin-grid { grid-template-columns: minmax(0, 1fr); } }
th, td { text-align: left; border-bottom: 1px solid var(--line); padding: 0.35rem 0.5rem; vertical-align: top; }
th { color: var(--muted); font-weight: 600; white-space: nowrap; }
td.st-OK { color: var(--ok); font-weight: 600; }
td.st-refused { color: var(--bad); font-weight: 600; }
td.st-pending { color: var(--warn); }
.steps { display: flex; gap: 0.4rem; list-style: none; padding: 0; margin: 0 0 1rem; font-size: 0.85rem; color: var(--muted); }
.steps li { padding: 0.15rem 0.6rem; border-radius: 999px; border: 1px solid var(--line); }
.steps li[aria-current=step] { background: var(--accent); color: #fff; border-color: var(--accent); }
@media (max-width: 800px) { .layout { grid-template-columns: minmax(0, 1fr); } }
`;

export const SCRIPT = `
(() => {
  const refresh = async (url, id, render) => {
    const target = document.getElementById(id);
    if (!target) return;
    try {
      const response = await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } });
      if (response.ok) render(target, await response.json());
    } catch (e) { /* the next tick tries again */ }
  };
  const text = (tag, value, cls) => { const el = document.createElement(tag); el.textContent = value; if (cls) el.className = cls; return el; };
  const outbox = (target, messages) => {
    if (messages.length === 0) return;
    target.replaceChildren(...messages.map((m) => {
      const box = document.createElement('div');
      box.className = 'msg';
      box.append(text('div', m.channelLabel + ' to ' + m.to + ' at ' + m.time, 'meta'), text('div', m.text));
      return box;
    }));
  };
  const commands = (target, rows) => {
    target.replaceChildren(...rows.map((r) => {
      const tr = document.createElement('tr');
      const cells = [r.shortId, r.op, r.target, r.by, r.issued, r.status, r.timing];
      cells.forEach((value, i) => { const td = text('td', value); if (i === 5) td.className = 'st-' + r.statusClass; tr.append(td); });
      return tr;
    }));
  };
  const tick = () => {
    refresh('/outbox.json', 'outbox-messages', outbox);
    refresh('/admin/commands.json', 'command-rows', commands);
  };
  setInterval(tick, 1000);
})();
`;
