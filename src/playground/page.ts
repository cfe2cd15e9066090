/**
 * The playground's page (SPEC §11): one HTML document with its script inline, served by the bot's
 * own process — no build step. The data-* attributes are a contract for people's scripts and tests.
 */
export const PAGE_HTML = String.raw`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>snapshot-copy playground</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
*{box-sizing:border-box}body{margin:0;font:15px/1.45 -apple-system,"Segoe UI",Lato,Helvetica,Arial,sans-serif;color:#1d1c1d;display:flex;height:100vh}
aside{width:230px;background:#3f0e40;color:#cfc3cf;padding:12px 0;display:flex;flex-direction:column}
aside h1{font-size:17px;color:#fff;margin:0 16px 12px}aside .lbl{font-size:12px;margin:10px 16px 4px;opacity:.8}
aside a{display:block;padding:3px 16px;color:#cfc3cf;text-decoration:none;cursor:pointer}aside a.on{background:#1164a3;color:#fff}
aside select{margin:6px 16px;padding:4px}main{flex:1;display:flex;min-width:0}
.pane{flex:1;display:flex;flex-direction:column;min-width:0}.pane header{padding:10px 18px;border-bottom:1px solid #ddd;font-weight:700}
.msgs{flex:1;overflow:auto;padding:8px 0}.msg{padding:6px 18px;display:flex;gap:10px}.msg:hover{background:#f8f8f8}
.av{width:36px;height:36px;border-radius:6px;background:#2bac76;color:#fff;display:flex;align-items:center;justify-content:center;font-weight:700;flex:none}
.av.bot{background:#e01e5a}.who{font-weight:900}.when{color:#616061;font-size:12px;margin-left:6px}.body{min-width:0;flex:1}
.eph{background:#f4f9ff}.eph .note{color:#616061;font-size:12px}
.blk{margin:4px 0}.hdr{font-size:18px;font-weight:900}.fields{display:grid;grid-template-columns:1fr 1fr;gap:4px 16px}
.ctx{color:#616061;font-size:13px}hr{border:0;border-top:1px solid #ddd}
button{font:inherit;font-size:14px;font-weight:700;padding:4px 12px;border-radius:4px;border:1px solid #bbb;background:#fff;cursor:pointer;margin:2px 6px 2px 0}
button.primary{background:#007a5a;color:#fff;border-color:#007a5a}button.danger{background:#fff;color:#e01e5a;border-color:#e01e5a}
code{background:#f6f6f6;border:1px solid #e8e8e8;border-radius:3px;padding:0 3px;color:#e01e5a;font-size:13px}pre{background:#f6f6f6;border:1px solid #e8e8e8;padding:8px;white-space:pre-wrap}
blockquote{border-left:4px solid #ddd;margin:2px 0;padding-left:8px}.mention{background:#e8f5fa;color:#1264a3;border-radius:3px;padding:0 2px}
.composer{padding:10px 18px}.composer textarea{width:100%;height:56px;border:1px solid #999;border-radius:6px;padding:8px;font:inherit}
.thread{width:420px;border-left:1px solid #ddd;display:flex;flex-direction:column}.replies{color:#1264a3;font-size:13px;cursor:pointer}
.home{padding:12px 18px;overflow:auto;flex:1}
.modalbg{position:fixed;inset:0;background:rgba(0,0,0,.4);display:flex;align-items:flex-start;justify-content:center;padding-top:40px}
.modal{background:#fff;border-radius:8px;width:560px;max-height:85vh;display:flex;flex-direction:column}.modal h2{margin:0;padding:14px 18px;font-size:20px;border-bottom:1px solid #ddd}
.modal .mb{padding:10px 18px;overflow:auto}.modal .mf{padding:10px 18px;border-top:1px solid #ddd;text-align:right}
.inp{margin:10px 0}.inp label{font-weight:700;display:block}.inp input[type=text],.inp textarea,.inp select{width:100%;padding:6px;font:inherit;border:1px solid #999;border-radius:4px}
.hint{color:#616061;font-size:12px}.err{color:#e01e5a;font-size:13px}
</style></head><body>
<aside data-sidebar><h1>Playground</h1>
<div class="lbl">You are</div><select data-user-switcher></select>
<div class="lbl">Channels</div><div id="chans"></div>
<div class="lbl">Apps</div><a data-tab="home">snapshot-copy · Home</a>
</aside><main id="main"></main><div id="modal"></div>
<script>
const S={state:null,user:null,channel:'C0TEAM',tab:'channel',thread:null};
const $=(t,a={},...kids)=>{const e=document.createElement(t);for(const[k,v]of Object.entries(a)){if(v==null||v===false)continue;if(k==='on')for(const[ev,f]of Object.entries(v))e.addEventListener(ev,f);else if(k==='html')e.innerHTML=v;else e.setAttribute(k,v===true?'':v)}for(const k of kids.flat())if(k!=null)e.append(k);return e};
const esc=s=>String(s).replace(/&(?!amp;|lt;|gt;)/g,'&amp;').replace(/"/g,'&quot;').replace(/</g,'&lt;').replace(/>/g,'&gt;');
const tok=s=>String(s).replace(/&(?!amp;|lt;|gt;)/g,'&amp;').replace(/"/g,'&quot;').replace(/</g,'\u0001').replace(/>/g,'\u0002');
const nameOf=id=>{const p=S.state.people.find(p=>p.id===id);return p?p.realName:id===S.state.bot?'snapshot-copy':id};
const E=(c,ch)=>'<span style="color:'+c+'">'+ch+'</span>';
const EMOJI={white_check_mark:E('#2eb67d','✔'),x:E('#e01e5a','✖'),warning:E('#e8912d','⚠'),hourglass:E('#616061','⌛'),double_vertical_bar:E('#616061','‖'),arrow_forward:E('#1264a3','▶'),arrows_counterclockwise:E('#1264a3','↻'),no_entry_sign:E('#e01e5a','⊘'),closed_lock_with_key:E('#e8912d','⚷'),mag:E('#616061','⌕'),large_green_circle:E('#2eb67d','●'),large_yellow_circle:E('#ecb22e','●'),red_circle:E('#e01e5a','●'),wave:E('#ecb22e','✋'),lock:E('#e8912d','⚷'),tada:E('#ecb22e','✦'),inbox_tray:E('#1264a3','⤓')};
function mrkdwn(t){let s=tok(t);const codes=[];s=s.replace(/\x60\x60\x60([\s\S]*?)\x60\x60\x60/g,(_,c)=>{codes.push('<pre>'+c+'</pre>');return '\u0000'+(codes.length-1)+'\u0000'});
s=s.replace(/\x60([^\x60\n]+)\x60/g,(_,c)=>{codes.push('<code>'+c+'</code>');return '\u0000'+(codes.length-1)+'\u0000'});
s=s.replace(/\u0001@([UW][A-Z0-9]+)(\|[^\u0002]*)?\u0002/g,(_,id)=>'<span class="mention">@'+nameOf(id)+'</span>')
.replace(/\u0001!date\^(\d+)\^[^|]*\|([^\u0002]*)\u0002/g,(_,sec)=>new Date(sec*1000).toLocaleString([], {month:'short',day:'numeric',hour:'2-digit',minute:'2-digit'}))
.replace(/\u0001!(here|channel|everyone)\u0002/g,'@$1').replace(/\u0001#(C[A-Z0-9]+)(\|[^\u0002]*)?\u0002/g,(_,id)=>'<span class="mention">#'+(S.state.channels.find(c=>c.id===id)||{name:id}).name+'</span>')
.replace(/\u0001(https?:[^|\u0002]+)\|([^\u0002]+)\u0002/g,'<a href="$1" target="_blank">$2</a>').replace(/\u0001(https?:[^\u0002]+)\u0002/g,'<a href="$1" target="_blank">$1</a>')
.replace(/(^|[\s(])\*([^*\n]+)\*/g,'$1<b>$2</b>').replace(/(^|[\s(])_([^_\n]+)_/g,'$1<i>$2</i>').replace(/(^|\s)~([^~\n]+)~/g,'$1<s>$2</s>')
.replace(/^\u0002 ?(.*)$/gm,'<blockquote>$1</blockquote>').replace(/\u0001/g,'&lt;').replace(/\u0002/g,'&gt;').replace(/:([a-z0-9_+-]+):/g,(m,n)=>EMOJI[n]||m).replace(/\n/g,'<br>');
return s.replace(/\u0000(\d+)\u0000/g,(_,i)=>codes[i])}
const txt=o=>!o?'':o.type==='mrkdwn'?mrkdwn(o.text):esc(o.text).replace(/:([a-z0-9_+-]+):/g,(m,n)=>EMOJI[n]||m);
function rich(el){const inner=(els)=>(els||[]).map(e=>{if(e.type==='text'){let h=esc(e.text).replace(/\n/g,'<br>');const st=e.style||{};if(st.code)h='<code>'+h+'</code>';if(st.bold)h='<b>'+h+'</b>';if(st.italic)h='<i>'+h+'</i>';if(st.strike)h='<s>'+h+'</s>';return h}
if(e.type==='link')return '<a href="'+esc(e.url)+'">'+esc(e.text||e.url)+'</a>';if(e.type==='user')return '<span class="mention">@'+nameOf(e.user_id)+'</span>';if(e.type==='emoji')return EMOJI[e.name]||':'+e.name+':';if(e.type==='channel')return '#'+e.channel_id;return ''}).join('');
return (el.elements||[]).map(s=>s.type==='rich_text_section'?'<div>'+inner(s.elements)+'</div>':s.type==='rich_text_preformatted'?'<pre>'+inner(s.elements)+'</pre>':s.type==='rich_text_quote'?'<blockquote>'+inner(s.elements)+'</blockquote>':s.type==='rich_text_list'?'<ul>'+(s.elements||[]).map(i=>'<li>'+inner(i.elements)+'</li>').join('')+'</ul>':'').join('')}
function element(e,ctx){if(e.type==='button')return $('button',{class:e.style||null,'data-action-id':e.action_id,'data-value':e.value,on:{click:()=>act('/playground/click',{where:ctx,actionId:e.action_id})}},e.text.text);
if(e.type==='static_select'||e.type==='multi_static_select')return $('select',{'data-action-id':e.action_id,multiple:e.type==='multi_static_select'},...(e.options||[]).map(o=>$('option',{value:o.value},o.text.text)));
if(e.type==='image')return $('img',{src:e.image_url,alt:e.alt_text,width:24});return $('span',{},e.text?e.text.text||'':'')}
function blocks(list,ctx){return (list||[]).map(b=>{switch(b.type){
case 'header':return $('div',{class:'blk hdr',html:txt(b.text)});
case 'section':{const d=$('div',{class:'blk'});if(b.text)d.append($('div',{html:txt(b.text)}));if(b.fields)d.append($('div',{class:'fields'},...b.fields.map(f=>$('div',{html:txt(f)}))));if(b.accessory)d.append(element(b.accessory,ctx));return d}
case 'context':return $('div',{class:'blk ctx'},...(b.elements||[]).map(e=>e.type==='image'?$('img',{src:e.image_url,alt:e.alt_text,width:16}):$('span',{html:txt(e)+' '})));
case 'divider':return $('hr');case 'actions':return $('div',{class:'blk'},...(b.elements||[]).map(e=>element(e,ctx)));
case 'image':return $('div',{class:'blk'},$('img',{src:b.image_url,alt:b.alt_text,style:'max-width:360px'}));
case 'rich_text':return $('div',{class:'blk',html:rich(b)});
default:return $('div',{class:'blk ctx'},'['+b.type+' block]')}})}
function message(m,inThread){const eph=!!m.ephemeralFor;const bot=m.user===S.state.bot;const replies=S.state.messages.filter(r=>r.threadTs===m.ts&&r.channel===m.channel&&visible(r));
const body=$('div',{class:'body'},$('div',{},$('span',{class:'who'},nameOf(m.user)),$('span',{class:'when'},new Date(Number(m.ts)*1000).toLocaleTimeString([],{hour:'2-digit',minute:'2-digit'}))),
...(m.blocks&&m.blocks.length?blocks(m.blocks,{channel:m.channel,ts:m.ts}):[$('div',{html:mrkdwn(m.text)})]),
eph?$('div',{class:'note'},'Only visible to you'):null,
!m.threadTs&&!inThread?$('div',{class:'replies','data-open-thread':true,on:{click:()=>{S.thread=m.ts;render()}}},replies.length?replies.length+(replies.length===1?' reply':' replies'):'Reply in thread'):null);
return $('div',{class:'msg'+(eph?' eph':''),'data-message-ts':m.ts,'data-channel':m.channel,'data-thread-ts':m.threadTs||null,'data-ephemeral':eph||null},$('div',{class:'av'+(bot?' bot':'')},nameOf(m.user)[0]),body)}
const visible=m=>!m.ephemeralFor||m.ephemeralFor===S.user;
function composer(threadTs){return $('div',{class:'composer'},$('textarea',{'data-composer':true,placeholder:threadTs?'Reply…':'Message #'+chan().name+' — try /snapshot-copy help',on:{keydown:ev=>{if(ev.key==='Enter'&&!ev.shiftKey){ev.preventDefault();const t=ev.target.value.trim();if(!t)return;ev.target.value='';act('/playground/send',{channel:S.channel,text:t,threadTs})}}}}))}
const chan=()=>S.state.channels.find(c=>c.id===S.channel)||{id:S.channel,name:S.channel};
function render(){const st=S.state;if(!st)return;const sw=document.querySelector('[data-user-switcher]');
if(!sw.options.length){for(const p of st.people)sw.append($('option',{value:p.id,'data-part':p.part},p.realName+' ('+p.part+')'));sw.value=S.user;sw.onchange=()=>{S.user=sw.value;load()}}
const cl=document.getElementById('chans');cl.replaceChildren(...st.channels.map(c=>$('a',{'data-channel':c.id,class:S.tab==='channel'&&S.channel===c.id?'on':null,on:{click:()=>{S.tab='channel';S.channel=c.id;S.thread=null;render()}}},'# '+c.name)));
const ht=document.querySelector('[data-tab="home"]');ht.className=S.tab==='home'?'on':'';ht.onclick=()=>{S.tab='home';render();act('/playground/home',{})};
const main=document.getElementById('main');const keep=document.activeElement&&document.activeElement.matches('textarea[data-composer]')?{inThread:!!document.activeElement.closest('[data-thread-pane]'),v:document.activeElement.value}:null;
if(S.tab==='home'){const h=st.home;main.replaceChildren($('div',{class:'pane'},$('header',{},'snapshot-copy · Home'),$('div',{class:'home','data-home':true},...(h?blocks(h.blocks,'home'):[$('div',{class:'ctx'},'Loading…')]))))}
else{const top=st.messages.filter(m=>m.channel===S.channel&&!m.threadTs&&visible(m));
const pane=$('div',{class:'pane','data-open-channel':S.channel},$('header',{},'# '+chan().name),$('div',{class:'msgs'},...top.map(m=>message(m,false))),composer());
const kids=[pane];if(S.thread){const root=st.messages.find(m=>m.ts===S.thread&&m.channel===S.channel);if(root){const reps=st.messages.filter(m=>m.threadTs===S.thread&&m.channel===S.channel&&visible(m));
kids.push($('div',{class:'thread','data-thread-pane':true},$('header',{style:'padding:10px 18px;border-bottom:1px solid #ddd;font-weight:700'},'Thread ',$('button',{on:{click:()=>{S.thread=null;render()}}},'×')),$('div',{class:'msgs'},message(root,true),...reps.map(m=>message(m,true))),composer(S.thread)))}}
main.replaceChildren(...kids);for(const el of main.querySelectorAll('.msgs'))el.scrollTop=el.scrollHeight}
if(keep){const t=main.querySelector(keep.inThread?'[data-thread-pane] textarea[data-composer]':'[data-open-channel] textarea[data-composer]');if(t){t.value=keep.v;t.focus()}}
renderModals(st.modals)}
let shownModal='';
function renderModals(stack){const host=document.getElementById('modal');const sig=JSON.stringify(stack);if(sig===shownModal)return;shownModal=sig;
const kept={};for(const w of host.querySelectorAll('[data-modal] [data-block-id]')){const key=w.closest('[data-modal]').dataset.viewId+'/'+w.dataset.blockId;kept[key]=[...w.querySelectorAll('input,textarea,select')].map(c=>c.multiple?[...c.selectedOptions].map(o=>o.value):c.type==='checkbox'?c.checked:c.value)}
host.replaceChildren(...stack.map((m,i)=>modal(m,i===stack.length-1)));
// Slack keeps what was typed when errors come back: so does the page.
for(const w of host.querySelectorAll('[data-modal] [data-block-id]')){const v=kept[w.closest('[data-modal]').dataset.viewId+'/'+w.dataset.blockId];if(!v)continue;[...w.querySelectorAll('input,textarea,select')].forEach((c,i)=>{const x=v[i];if(c.multiple)for(const o of c.options)o.selected=x.includes(o.value);else if(c.type==='checkbox')c.checked=x;else c.value=x})}}
function modal(m,active){const v=m.view;const inputs=(v.blocks||[]).map(b=>{if(b.type!=='input')return blocks([b],'modal')[0];const e=b.element||{};let c;
if(e.type==='plain_text_input')c=e.multiline?$('textarea',{rows:3,placeholder:e.placeholder&&e.placeholder.text}):$('input',{type:'text',placeholder:e.placeholder&&e.placeholder.text,value:e.initial_value});
else if(e.type==='static_select'||e.type==='multi_static_select'){const multi=e.type==='multi_static_select';c=$('select',{multiple:multi},multi?null:$('option',{value:''},'Select…'),...(e.options||[]).map(o=>$('option',{value:o.value,selected:(e.initial_option&&e.initial_option.value===o.value)||(e.initial_options||[]).some(x=>x.value===o.value)},o.text.text)))}
else if(e.type==='checkboxes')c=$('div',{},...(e.options||[]).map(o=>$('label',{style:'font-weight:400'},$('input',{type:'checkbox',value:o.value,checked:(e.initial_options||[]).some(x=>x.value===o.value)}),' '+o.text.text)));
else c=$('div',{class:'ctx'},'['+e.type+']');
return $('div',{class:'inp','data-block-id':b.block_id,'data-optional':b.optional?'true':null,'data-element':e.type,'data-action':e.action_id},$('label',{},b.label.text+(b.optional?' (optional)':'')),c,b.hint?$('div',{class:'hint'},b.hint.text):null,$('div',{class:'err','data-block-error':b.block_id},m.errors[b.block_id]||''))});
return $('div',{class:'modalbg',style:active?null:'display:none'},$('div',{class:'modal','data-modal':true,'data-view-id':m.id},$('h2',{},v.title?v.title.text:''),$('div',{class:'mb'},...inputs,m.errors._?$('div',{class:'err'},m.errors._):null),
$('div',{class:'mf'},$('button',{'data-modal-close':true,on:{click:()=>act('/playground/close',{})}},v.close?v.close.text:'Cancel'),v.submit?$('button',{class:'primary','data-modal-submit':true,on:{click:ev=>submitModal(ev.target.closest('[data-modal]'),v)}},v.submit.text):null)))}
function submitModal(el,v){const values={};let missing=false;
for(const w of el.querySelectorAll('[data-block-id]')){const id=w.dataset.blockId,a=w.dataset.action,t=w.dataset.element;let st;
if(t==='plain_text_input'){const val=w.querySelector('input,textarea').value;st={type:t,value:val===''?null:val};if(!val.trim()&&!w.dataset.optional){w.querySelector('[data-block-error]').textContent='Please complete this required field.';missing=true;continue}}
else if(t==='static_select'){const val=w.querySelector('select').value;st={type:t,selected_option:val?{value:val}:null};if(!val&&!w.dataset.optional){w.querySelector('[data-block-error]').textContent='Please complete this required field.';missing=true;continue}}
else if(t==='multi_static_select'){const sel=[...w.querySelector('select').selectedOptions].map(o=>({value:o.value}));st={type:t,selected_options:sel};if(!sel.length&&!w.dataset.optional){w.querySelector('[data-block-error]').textContent='Please complete this required field.';missing=true;continue}}
else if(t==='checkboxes')st={type:t,selected_options:[...w.querySelectorAll('input:checked')].map(i=>({value:i.value}))};else continue;
w.querySelector('[data-block-error]').textContent='';values[id]={[a]:st}}
if(!missing){shownModal='';act('/playground/submit',{values})}}
async function act(path,body){await fetch(path,{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({user:S.user,...body})})}
async function load(){const r=await fetch('/playground/state?user='+encodeURIComponent(S.user||''));S.state=await r.json();if(!S.user){S.user=S.state.people[0].id}render()}
load().then(()=>{const es=new EventSource('/playground/events');es.onmessage=()=>load()});
</script></body></html>`;
