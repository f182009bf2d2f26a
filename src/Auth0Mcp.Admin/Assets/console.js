// auth0-mcp admin console: progressive enhancement only (every action works without it).
// - [data-select-all=NAME]: a checkbox that checks every checkbox named NAME in its form.
// - [data-filter-list=ID]: a search box that hides the items of list #ID that do not contain its text.
(function () {
  'use strict';
  document.querySelectorAll('[data-select-all]').forEach(function (box) {
    box.addEventListener('change', function () {
      var form = box.closest('form');
      form.querySelectorAll('input[type=checkbox][name="' + box.dataset.selectAll + '"]').forEach(function (c) { c.checked = box.checked; });
    });
  });
  document.querySelectorAll('[data-filter-list]').forEach(function (input) {
    var list = document.getElementById(input.dataset.filterList);
    if (!list) { return; }
    input.addEventListener('input', function () {
      var text = input.value.trim().toLowerCase();
      list.querySelectorAll('li').forEach(function (li) { li.hidden = text !== '' && li.textContent.toLowerCase().indexOf(text) < 0; });
    });
  });
}());
