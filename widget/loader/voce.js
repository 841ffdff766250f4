/*! Voce feedback widget loader (EUPL-1.2). https://example.invalid/voce */
// Hand-written and dependency-free: it costs the host page this file and nothing more until a
// placement comes near the viewport. Full-line comments like this one are stripped by
// `cargo xtask widget`, which also fills in the content-hashed names and integrity strings.
(function (d, w) {
  'use strict';
  var me = d.currentScript;
  if (!me) return;
  var src = me.src;
  // The assets sit next to this file; the collector's API sits above /widget/v1/.
  var base = src.slice(0, src.lastIndexOf('/') + 1);
  var collector = src.replace(/\/widget\/v\d+\/[^/]*$/, '');
  var ready;
  // Where the widget cannot run (no WebAssembly, a CSP that refuses to compile it, the glue or the
  // .wasm not loading, the form not loading after the widget's retries), a link to the same
  // questionnaire on the collector's hosted page, which needs no script.
  var T = {
    it: 'Rispondi al questionario',
    en: 'Answer the questionnaire',
    de: 'Fragebogen beantworten',
    fr: 'R\u00e9pondre au questionnaire',
    sl: 'Izpolnite vpra\u0161alnik'
  };

  function attr(el, a) {
    return (el.getAttribute(a) || el.getAttribute('data-' + a) || '').trim();
  }

  function fallback(el) {
    if (el.__voceLink) return;
    // The widget's own rule: the placement's locale, else the page's, else Italian.
    var l = [attr(el, 'locale'), d.documentElement.lang].map(function (t) {
      return (t || '').trim().split(/[-_]/)[0].toLowerCase();
    }).filter(function (t) { return T[t]; })[0] || 'it';
    var p = el.__voceLink = d.createElement('p');
    var a = d.createElement('a');
    var t = attr(el, 'attestation');
    // The body's completion attestation, when the page gave one, travels with the citizen.
    a.href = collector + '/s/' + encodeURIComponent(attr(el, 'service')) + '?locale=' + l +
      (t ? '&a=' + encodeURIComponent(t) : '');
    a.textContent = T[l];
    p.appendChild(a);
    (el.shadowRoot || el).appendChild(p);
  }

  function fail(el, code) {
    fallback(el);
    el.dispatchEvent(new CustomEvent('voce:error', {
      bubbles: true,
      detail: { service: attr(el, 'service'), code: code }
    }));
  }

  function load() {
    return ready || (ready = new Promise(function (ok, ko) {
      var s = d.createElement('script');
      s.src = base + '__VOCE_GLUE__';
      s.integrity = '__VOCE_GLUE_SRI__';
      s.crossOrigin = 'anonymous';
      s.onerror = ko;
      s.onload = function () {
        // `__voce` is the global of the wasm-bindgen glue; the .wasm is integrity-checked too.
        __voce({
          module_or_path: fetch(base + '__VOCE_WASM__', {
            integrity: '__VOCE_WASM_SRI__',
            mode: 'cors',
            credentials: 'omit'
          })
        }).then(ok, ko);
      };
      d.head.appendChild(s);
    }));
  }

  function start(el) {
    if (typeof WebAssembly != 'object') return fail(el, 'unsupported');
    load().then(function () {
      __voce.mount(el, collector);
    }, function () {
      ready = 0;
      el.__voce = 0;
      fail(el, 'load-failed');
    });
  }

  function place(el) {
    if (el.__voce) return;
    el.__voce = 1;
    if (!el.__voceOn) {
      el.__voceOn = 1;
      // The form itself did not load after the widget's retries: the link too, until it does.
      el.addEventListener('voce:error', function (e) {
        if (e.detail && e.detail.code == 'load-failed') fallback(el);
      });
      el.addEventListener('voce:ready', function () {
        if (el.__voceLink) el.__voceLink.remove();
        el.__voceLink = 0;
      });
    }
    var IO = w.IntersectionObserver;
    // Conformance mode renders at once: the national checker never scrolls.
    if (!IO || /^\s*comuni\s*$/i.test(el.getAttribute('mode') || '')) return start(el);
    var io = new IO(function (entries) {
      for (var i = 0; i < entries.length; i++) {
        if (entries[i].isIntersecting) {
          io.disconnect();
          return start(el);
        }
      }
    }, { rootMargin: '400px 0px' });
    io.observe(el);
  }

  var ce = w.customElements;
  if (ce && !ce.get('voce-feedback')) {
    ce.define('voce-feedback', class extends HTMLElement {
      connectedCallback() { place(this); }
    });
  }

  // <script src=".../voce.js" data-service="..."> renders where the tag is.
  if (me.getAttribute('data-service')) {
    var el = d.createElement('voce-feedback');
    ['service', 'locale', 'mode', 'theme', 'attestation'].forEach(function (a) {
      var v = me.getAttribute('data-' + a);
      if (v) el.setAttribute(a, v);
    });
    me.parentNode.insertBefore(el, me.nextSibling);
    if (!ce) place(el);
  }
})(document, window);
