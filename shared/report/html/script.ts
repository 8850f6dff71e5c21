/**
 * The report's only script, allowed by its hash: it makes the headers of `table.sortable` buttons that
 * sort the rows (numbers by value: a cell's `data-v`, else its text without `,` and `%`), and opens
 * every collapsed group while printing. The page reads the same without it; it reads nothing from the
 * report and writes no markup, only moves the rows already there.
 */
export const SORT_SCRIPT = `(()=>{
const key=(row,i)=>{const c=row.cells[i];if(!c)return "";const v=c.dataset.v??c.textContent.trim();const n=Number(v.replace(/[,%]/g,""));return v!==""&&Number.isFinite(n)?n:v.toLowerCase()};
const cmp=(a,b)=>typeof a===typeof b?(a<b?-1:a>b?1:0):typeof a==="number"?-1:1;
for(const th of document.querySelectorAll("table.sortable thead th")){
const b=document.createElement("button");b.type="button";b.append(...th.childNodes);th.append(b);
b.addEventListener("click",()=>{
const body=th.closest("table").tBodies[0],i=th.cellIndex,up=th.getAttribute("aria-sort")!=="ascending";
for(const o of th.parentElement.cells)o.removeAttribute("aria-sort");
th.setAttribute("aria-sort",up?"ascending":"descending");
const rows=[...body.rows].map(r=>[key(r,i),r]).sort((x,y)=>cmp(x[0],y[0])*(up?1:-1));
body.append(...rows.map(x=>x[1]));
});
}
let opened=[];
addEventListener("beforeprint",()=>{opened=[...document.querySelectorAll("details:not([open])")];for(const d of opened)d.open=true});
addEventListener("afterprint",()=>{for(const d of opened)d.open=false;opened=[]});
})();`;
