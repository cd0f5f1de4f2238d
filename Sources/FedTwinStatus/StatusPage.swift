/// The status page served at `/`: one self-contained HTML file (no CDN, no external
/// script or font) that reads `/status` every 5 seconds and draws the phase, the sites and
/// an inline SVG plot of held-out loss per round and per site.
enum StatusPage {
    static let html = #"""
    <!doctype html>
    <html lang="en"><head><meta charset="utf-8"><title>FedTwin coordinator</title>
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <style>
    body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fafafa}
    h1{font-size:1.3em;margin:0 0 .3em} .muted{color:#666}
    .facts span{display:inline-block;margin-right:1.5em} .facts b{font-size:1.1em}
    table{border-collapse:collapse;margin:1em 0;background:#fff} th,td{border:1px solid #ddd;padding:4px 8px;text-align:left}
    th{background:#eee} .yes{color:#080;font-weight:bold} .no{color:#b00;font-weight:bold} .wait{background:#fff4d6}
    svg{background:#fff;border:1px solid #ddd} .err{color:#b00}
    </style></head><body>
    <h1>FedTwin coordinator</h1>
    <div class="muted" id="software"></div>
    <p class="facts" id="facts"></p>
    <table id="sites"><thead><tr><th>site</th><th>connected</th><th>since</th><th>software</th><th>protocol</th>
    <th>selected</th><th>last update</th><th>last evaluation</th><th>refusals</th></tr></thead><tbody></tbody></table>
    <h2 style="font-size:1.1em">Held-out loss per round</h2>
    <svg id="plot" width="760" height="300" role="img" aria-label="held-out loss per round and site"></svg>
    <p class="muted">Refreshes every 5 s from <a href="/status">/status</a>; metrics at <a href="/metrics">/metrics</a>.</p>
    <p class="err" id="error"></p>
    <script>
    const colours=["#1f77b4","#d62728","#2ca02c","#ff7f0e","#9467bd","#8c564b","#e377c2","#17becf"];
    function esc(s){return String(s).replace(/[&<>"']/g,c=>({"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;","'":"&#39;"}[c]))}
    function ago(t){if(!t)return"–";const s=Math.round((Date.now()-Date.parse(t))/1000);return s<60?s+" s ago":Math.round(s/60)+" min ago"}
    function draw(history){
      const svg=document.getElementById("plot"),W=760,H=300,L=60,R=120,T=15,B=35;
      if(!history.length){svg.innerHTML='<text x="20" y="40" fill="#666">no evaluations yet</text>';return}
      const rounds=history.map(p=>p.round),losses=history.map(p=>p.loss);
      const x0=Math.min(...rounds),x1=Math.max(...rounds,x0+1),y0=Math.min(...losses),y1=Math.max(...losses,y0+1e-9);
      const X=r=>L+(r-x0)/(x1-x0)*(W-L-R),Y=v=>T+(1-(v-y0)/(y1-y0))*(H-T-B);
      let out=`<line x1="${L}" y1="${H-B}" x2="${W-R}" y2="${H-B}" stroke="#999"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H-B}" stroke="#999"/>`;
      for(let i=0;i<=4;i++){const v=y0+(y1-y0)*i/4;out+=`<text x="${L-6}" y="${Y(v)+4}" text-anchor="end" font-size="11">${v.toPrecision(3)}</text>`}
      for(let r=x0;r<=x1;r+=Math.max(1,Math.ceil((x1-x0)/10)))out+=`<text x="${X(r)}" y="${H-B+15}" text-anchor="middle" font-size="11">${r}</text>`;
      out+=`<text x="${(L+W-R)/2}" y="${H-5}" text-anchor="middle" font-size="12">round</text>`;
      const sites=[...new Set(history.map(p=>p.site))].sort();
      sites.forEach((s,i)=>{const c=colours[i%colours.length],pts=history.filter(p=>p.site===s).sort((a,b)=>a.round-b.round);
        out+=`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.map(p=>X(p.round)+","+Y(p.loss)).join(" ")}"/>`;
        pts.forEach(p=>out+=`<circle cx="${X(p.round)}" cy="${Y(p.loss)}" r="3" fill="${c}"><title>${esc(s)} round ${p.round}: ${p.loss}</title></circle>`);
        out+=`<rect x="${W-R+10}" y="${T+i*18}" width="12" height="12" fill="${c}"/><text x="${W-R+28}" y="${T+i*18+11}" font-size="12">${esc(s)}</text>`});
      svg.innerHTML=out}
    async function refresh(){
      try{const s=await (await fetch("/status",{cache:"no-store"})).json();
        document.getElementById("software").textContent=s.software+" · updated "+new Date(s.time).toLocaleTimeString();
        const wait=s.waitingFor.length?s.waitingFor.map(esc).join(", "):"nobody";
        const dl=s.deadline?Math.max(0,Math.round((Date.parse(s.deadline)-Date.now())/1000))+" s":"–";
        document.getElementById("facts").innerHTML=`<span>phase <b>${esc(s.phase)}</b></span><span>round <b>${s.round}/${s.rounds}</b></span>`+
          `<span>deadline in <b>${dl}</b></span><span>version <b>${s.version}</b></span><span>waiting for <b>${wait}</b></span>`;
        document.querySelector("#sites tbody").innerHTML=s.sites.map(x=>{
          const refusals=Object.entries(x.refusals).map(([k,v])=>esc(k)+" ×"+v).join(", ")||"–";
          const ev=x.lastEvaluationVersion?`v${x.lastEvaluationVersion}: ${x.lastEvaluationLoss.toPrecision(4)}`:"–";
          return `<tr class="${s.waitingFor.includes(x.name)?"wait":""}"><td>${esc(x.name)}${x.revoked?" (revoked)":""}</td>`+
            `<td class="${x.connected?"yes":"no"}">${x.connected?"yes":"no"}</td><td>${x.since?ago(x.since):"–"}</td>`+
            `<td>${esc(x.software||"–")}</td><td>${x.protocolVersion||"–"}</td><td>${x.selected?"yes":""}</td>`+
            `<td>${x.lastUpdateRound?"round "+x.lastUpdateRound+", "+ago(x.lastUpdateAt):"–"}</td><td>${ev}</td><td>${refusals}</td></tr>`}).join("");
        draw(s.history);document.getElementById("error").textContent=""}
      catch(e){document.getElementById("error").textContent="cannot read /status: "+e}}
    refresh();setInterval(refresh,5000);
    </script></body></html>
    """#
}
