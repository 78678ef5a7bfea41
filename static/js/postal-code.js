// 郵便番号から住所入力 (issue 16). Progressive enhancement: without this script the button beside the postal
// code submits the form and the server fills the address in. With it, the address is filled in place from
// the store's own /postal-code/<7 digits> (the data ships with the store; nothing outside is called), and
// as soon as seven digits are typed, fields the shopper has not filled yet are completed.
(function () {
  'use strict';
  function digitsOf(value) {
    var d = (value || '').normalize('NFKC').replace(/[-‐−ー\s〒]/g, '');
    return /^\d{7}$/.test(d) ? d : null;
  }
  function setup(button) {
    var form = button.form;
    if (!form) return;
    var postal = form.elements.namedItem('postal_code');
    var prefecture = form.elements.namedItem('prefecture');
    var city = form.elements.namedItem('city');
    var line1 = form.elements.namedItem('line1');
    var status = button.parentNode.querySelector('[data-postal-status]');
    if (!postal || !prefecture || !city) return;
    var last = null;
    function say(text) { if (status) status.textContent = text; }
    function lookup(digits, overwrite) {
      last = digits;
      return fetch('/postal-code/' + digits, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
        .then(function (res) { return res.ok ? res.json() : null; })
        .then(function (a) {
          if (last !== digits) return;
          if (!a) { if (overwrite) say(button.getAttribute('data-not-found')); return; }
          postal.value = a.postal_code;
          if (overwrite || !prefecture.value) prefecture.value = a.prefecture;
          if (a.city && (overwrite || !city.value.trim())) city.value = a.city;
          if (line1 && a.town && !line1.value.trim()) line1.value = a.town;
          prefecture.dispatchEvent(new Event('change', { bubbles: true }));
          say(button.getAttribute('data-found'));
          if (overwrite && line1) line1.focus();
        })
        .catch(function () { if (overwrite) say(button.getAttribute('data-not-found')); });
    }
    button.addEventListener('click', function (event) {
      // Enter in a text field "clicks" the first submit button (this one) while the field keeps the focus:
      // send the form with its own submit button, as the shopper meant.
      if (document.activeElement !== button && document.activeElement && document.activeElement.form === form) {
        var primary = form.querySelector('button.btn-primary[type="submit"]');
        if (primary) { event.preventDefault(); form.requestSubmit(primary); return; }
      }
      var digits = digitsOf(postal.value);
      if (!digits) return; // the server answers with the message next to the field
      event.preventDefault();
      lookup(digits, true);
    });
    postal.addEventListener('input', function () {
      var digits = digitsOf(postal.value);
      if (digits && digits !== last) lookup(digits, false);
    });
  }
  var buttons = document.querySelectorAll('[data-postal-lookup]');
  for (var i = 0; i < buttons.length; i++) setup(buttons[i]);
})();
