// The report page's stylesheet and its static filter script.

// Colours are paired with text labels everywhere, so the page still reads in greyscale.
export const CSS = `
:root{--pass:#d4f4dd;--fail:#f8d0d0;--ns:#fde9c4;--info:#d6e6fb;--unsup:#e6ddf5;--blocked:#e2e2cf;--skip:#eeeeee;--error:#f5c6ec;--ink:#1d1d1f;--muted:#666}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--ink);margin:0;padding:1rem 1.5rem;background:#fff}
h1{margin:.2rem 0 .6rem;font-size:1.5rem}h2{font-size:1.15rem;margin:1.6rem 0 .5rem}h4{margin:.5rem 0 .2rem;font-size:.85rem}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
pre{background:#f6f8fa;border:1px solid #ddd;padding:.4rem;margin:0;max-height:24rem;overflow:auto;white-space:pre-wrap;word-break:break-word}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem;margin:.3rem 0}
dl.meta dt{color:var(--muted)}dl.meta dd{margin:0}
.targets{display:flex;flex-wrap:wrap;gap:1rem}
.target{border:1px solid #ccc;border-radius:6px;padding:.6rem .9rem;min-width:18rem}
.target h2{margin:.1rem 0}
.bottom-line{font-weight:600;margin:.2rem 0}.bottom-line.bad{color:#a00}.bottom-line.warn{color:#8a5a00}.bottom-line.good{color:#16662e}
ul.counts{list-style:none;padding:0;margin:.4rem 0 0;display:flex;flex-wrap:wrap;gap:.3rem .8rem}
.zero{opacity:.45}
.badge{display:inline-block;padding:0 .4rem;border-radius:3px;font-size:12px;border:1px solid rgba(0,0,0,.15)}
.s-pass{background:var(--pass)}.s-fail{background:var(--fail)}.s-non-strict{background:var(--ns)}.s-info{background:var(--info)}
.s-unsupported{background:var(--unsup)}.s-blocked{background:var(--blocked)}.s-skip{background:var(--skip);color:var(--muted)}.s-error{background:var(--error)}
.s-untested,.s-absent{background:#fff;color:var(--muted)}
.unexpected-badge{background:#fff;border:2px solid #c00;color:#c00;font-weight:700}
.mark-unexpected{color:#c00;font-weight:700}.mark-known{color:#555;font-weight:700}
dl.legend{display:grid;grid-template-columns:max-content 1fr;gap:.25rem .8rem}dl.legend dd{margin:0}
#filters{position:sticky;top:0;background:#fff;padding:.5rem 0;border-bottom:1px solid #ddd;display:flex;flex-wrap:wrap;gap:1rem;align-items:center;z-index:2}
#filter-count{color:var(--muted)}
table{border-collapse:collapse;width:100%;margin:.4rem 0}
th,td{border:1px solid #ddd;padding:.25rem .45rem;vertical-align:top;text-align:left}
thead th{background:#fafafa;position:sticky;top:2.6rem}
.area-row th{background:#333;color:#fff;font-weight:600}
td.cell{min-width:7rem}
td.cell.unexpected{outline:3px solid #c00;outline-offset:-3px}
td.cell.known{outline:2px dashed #777;outline-offset:-2px}
td.rules code{display:inline-block;margin-right:.2rem}
.title{color:var(--muted)}
details>summary{cursor:pointer}
details[open]{min-width:28rem}
.check{border-top:1px solid rgba(0,0,0,.15);margin-top:.4rem;padding-top:.3rem;background:rgba(255,255,255,.6)}
.compare{display:grid;grid-template-columns:1fr 1fr;gap:.4rem}
.note{margin:.2rem 0;font-weight:600}.unexpected-note{color:#a00}
.role{color:var(--muted);font-size:12px}
.transcript pre{max-height:16rem}
.untestable{color:var(--muted);font-style:italic}
.hidden{display:none}
`;

// Static: it reads the data-* attributes rendered above and never sees report data as code.
export const SCRIPT = `
(function(){
  var level=document.getElementById('filter-level'),area=document.getElementById('filter-area'),
      status=document.getElementById('filter-status'),onlyUnexpected=document.getElementById('filter-unexpected'),
      count=document.getElementById('filter-count');
  function has(list,v){return (' '+(list||'')+' ').indexOf(' '+v+' ')>=0;}
  function apply(){
    var lv=level.value,ar=area.value,st=status.value,ux=onlyUnexpected.checked,shown=0,total=0;
    var rows=document.querySelectorAll('#matrix tr.scenario');
    for(var i=0;i<rows.length;i++){
      var r=rows[i],ok=(!lv||r.getAttribute('data-level')===lv)&&(!ar||r.getAttribute('data-area')===ar)&&
        (!st||has(r.getAttribute('data-status'),st))&&(!ux||r.getAttribute('data-unexpected')==='true');
      r.classList.toggle('hidden',!ok);total++;if(ok)shown++;
    }
    // An area header stays only while one of its scenarios is visible.
    var headers=document.querySelectorAll('#matrix tr.area-row');
    for(var j=0;j<headers.length;j++){
      var h=headers[j],n=h.nextElementSibling,any=false;
      while(n&&!n.classList.contains('area-row')){if(!n.classList.contains('hidden')){any=true;break;}n=n.nextElementSibling;}
      h.classList.toggle('hidden',!any);
    }
    var rules=document.querySelectorAll('#rules-table tr.rule');
    for(var k=0;k<rules.length;k++){
      var q=rules[k],okr=(!lv||q.getAttribute('data-level')===lv)&&(!ar||q.getAttribute('data-area')===ar)&&
        (!st||has(q.getAttribute('data-status'),st));
      q.classList.toggle('hidden',!okr);
    }
    count.textContent='showing '+shown+' of '+total+' scenarios';
  }
  [level,area,status,onlyUnexpected].forEach(function(el){el.addEventListener('change',apply);});
  apply();
})();
`;
