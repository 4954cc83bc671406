// /holder enhancement: when a management number is under attack the service asks for a proof
// of work (src/issue/holderLookupGuard.ts). Before the form is sent, ask for a challenge and,
// if one is required, find a nonce such that SHA-256(challenge "." nonce) starts with the
// required number of zero bits (Web Crypto, in slices so the page stays responsive); then
// send the form as usual so the browser downloads the PDF.
(function () {
  var form = document.querySelector('form[action="/holder"]');
  var status = document.getElementById('holder-status');
  if (!form || !window.fetch || !window.crypto || !crypto.subtle) return;
  var solved = false;

  function zeroBits(buf) {
    var bytes = new Uint8Array(buf), n = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { n += 8; continue; }
      return n + Math.clz32(bytes[i]) - 24;
    }
    return n;
  }

  async function solve(challenge, bits) {
    var enc = new TextEncoder();
    for (var i = 0; ; i++) {
      var nonce = i.toString(36);
      var d = await crypto.subtle.digest('SHA-256', enc.encode(challenge + '.' + nonce));
      if (zeroBits(d) >= bits) return nonce;
      if (i % 2000 === 0) await new Promise(function (r) { setTimeout(r, 0); });
    }
  }

  form.addEventListener('submit', async function (ev) {
    if (solved) return;
    ev.preventDefault();
    var no = form.managementNo.value;
    try {
      var r = await fetch('/api/v1/holder/challenge', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ managementNo: no }) });
      var c = await r.json();
      if (r.ok && c.required) {
        status.textContent = '正在进行安全验证，请稍候… Verifying, please wait…';
        document.getElementById('challenge').value = c.challenge;
        document.getElementById('nonce').value = await solve(c.challenge, c.bits);
        document.getElementById('challenge').disabled = false;
        document.getElementById('nonce').disabled = false;
        status.textContent = '';
      }
    } catch (e) { /* the server answers the plain form with what to do */ }
    solved = true;
    // keep the button's formaction (生成加注件 posts to /holder/annotations, issue 15)
    if (ev.submitter && form.requestSubmit) form.requestSubmit(ev.submitter); else form.submit();
    setTimeout(function () { solved = false; document.getElementById('challenge').disabled = true; document.getElementById('nonce').disabled = true; }, 1000);
  });
})();
