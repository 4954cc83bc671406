// /verify enhancement: a QR image is decoded here with jsQR (served locally) and opens
// /v/<token>; a PDF is posted to /verify and the verdict shown without a page reload.
// Without JavaScript the form posts normally and the server does both.
(function () {
  var form = document.getElementById('verify-form');
  var input = document.getElementById('file');
  var result = document.getElementById('result');
  if (!form || !input || !window.fetch) return;

  function show(html) { result.innerHTML = html; }

  function decodeImage(file) {
    return new Promise(function (resolve) {
      var img = new Image();
      img.onload = function () {
        var scale = Math.min(1, 1600 / Math.max(img.width, img.height));
        var c = document.createElement('canvas');
        c.width = Math.round(img.width * scale); c.height = Math.round(img.height * scale);
        var ctx = c.getContext('2d');
        ctx.drawImage(img, 0, 0, c.width, c.height);
        var data = ctx.getImageData(0, 0, c.width, c.height);
        var code = window.jsQR ? window.jsQR(data.data, c.width, c.height, { inversionAttempts: 'attemptBoth' }) : null;
        URL.revokeObjectURL(img.src);
        resolve(code ? code.data : null);
      };
      img.onerror = function () { resolve(null); };
      img.src = URL.createObjectURL(file);
    });
  }

  form.addEventListener('submit', function (ev) {
    var file = input.files && input.files[0];
    if (!file) return;
    ev.preventDefault();
    show('<p class="hint">查验中… Verifying…</p>');
    var isImage = /^image\//.test(file.type);
    (isImage ? decodeImage(file) : Promise.resolve(null)).then(function (text) {
      if (text) {
        var m = /\/v\/([A-Za-z0-9_.-]+)\s*$/i.exec(text);
        if (m) { window.location.href = '/v/' + m[1]; return; }
      }
      var fd = new FormData();
      fd.append('file', file);
      return fetch('/verify?fragment=1', { method: 'POST', body: fd }).then(function (r) { return r.text(); }).then(show);
    }).catch(function () {
      show('<section class="verdict unknown"><p>网络错误，请重试<br><span class="en">Network error, try again</span></p></section>');
    });
  });
})();
