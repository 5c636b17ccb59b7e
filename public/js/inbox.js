// The inbox's daily-use behaviours: keys on a focused row, the bulk bar shown only with a
// selection, the compact mode (remembered by this browser), fields that save on choice, and the
// focus coming back to a row once it is saved. Without JavaScript the page works as plain forms.

(() => {
  const COMPACT_KEY = 'veille.inbox.compact';
  // The row to give the focus back to once its edit is saved or cancelled.
  let returnFocusTo = null;

  // On a focused row: Enter opens the edit form; t, c and k edit the title, the commentary or the category.
  document.addEventListener('keydown', (event) => {
    const row = event.target instanceof Element && event.target.matches('.link-row') ? event.target : null;
    if (!row || event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    const selector = { Enter: '.link-actions [href$="/edit"]', t: 'button.link-title', c: '.link-commentary', k: '.link-meta button.chip' }[event.key];
    const control = selector && row.querySelector(selector);
    if (control instanceof HTMLElement) {
      event.preventDefault();
      control.click();
    }
  });

  // The ids of the selected rows: a row redrawn (its title fetched, a field saved) stays selected.
  const selectedIds = new Set();

  /** Shows the bulk bar only while rows are selected, with how many. */
  function updateBulkBar() {
    const bar = document.querySelector('[data-bulk-bar]');
    if (!bar) return;
    const boxes = [...document.querySelectorAll('.select-link')];
    for (const box of boxes) box.checked = selectedIds.has(box.value);
    const selected = boxes.filter((box) => box.checked).length;
    bar.hidden = selected === 0;
    const count = bar.querySelector('[data-selected-count]');
    // The words are the page's (data-one, data-many), in the editor's language.
    const template = count && (selected === 1 ? count.dataset.one : count.dataset.many);
    if (template) {
      count.textContent = template.replace('{count}', new Intl.NumberFormat(document.documentElement.lang || undefined).format(selected));
    }
    const all = bar.querySelector('[data-select-all]');
    if (all) {
      all.checked = selected > 0 && selected === boxes.length;
      all.indeterminate = selected > 0 && selected < boxes.length;
    }
  }

  document.addEventListener('change', (event) => {
    const target = event.target;
    if (!(target instanceof HTMLElement)) return;
    if (target.matches('[data-select-all]')) {
      for (const box of document.querySelectorAll('.select-link')) {
        if (target.checked) selectedIds.add(box.value);
        else selectedIds.delete(box.value);
      }
      updateBulkBar();
    } else if (target.matches('.select-link')) {
      if (target.checked) selectedIds.add(target.value);
      else selectedIds.delete(target.value);
      updateBulkBar();
    } else if (target.matches('select[data-autosubmit]')) target.form?.requestSubmit();
  });

  /** Applies the compact mode, and says so on its button. */
  function applyCompact(on) {
    document.body.classList.toggle('inbox-compact', on);
    for (const button of document.querySelectorAll('[data-compact-toggle]')) {
      button.hidden = false;
      button.setAttribute('aria-pressed', String(on));
    }
  }

  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    if (target.closest('[data-compact-toggle]')) {
      const on = !document.body.classList.contains('inbox-compact');
      try {
        localStorage.setItem(COMPACT_KEY, on ? '1' : '0');
      } catch {
        // Private windows may refuse storage: the mode then lasts for this page only.
      }
      applyCompact(on);
      return;
    }
    const row = target.closest('.link-row.editing-field, .link-row.editing');
    if (row && target.closest('[data-cancel]')) returnFocusTo = row.id;
  });

  // htmx wires a swapped-in form only once the swap settles: a choice or an Enter made before
  // that would post the whole page and lose the row's place, so the form is wired as it submits
  // (capture phase, before the form's own listeners run).
  document.addEventListener(
    'submit',
    (event) => {
      const form = event.target;
      if (form instanceof HTMLFormElement && form.matches('.link-edit-form') && form.hasAttribute('hx-post')) htmx.process(form);
    },
    true,
  );

  document.addEventListener('submit', (event) => {
    const row = event.target instanceof Element ? event.target.closest('.link-row') : null;
    if (row && event.target.matches('.link-edit-form')) returnFocusTo = row.id;
  });

  // A focused row drawn again (its title fetched, a poll) keeps the focus in its new copy.
  document.addEventListener('htmx:beforeSwap', (event) => {
    const target = event.detail.target;
    if (target instanceof Element && target.matches('.link-row') && document.activeElement === target) returnFocusTo = target.id;
  });

  // A bulk action done, its rows are no longer selected.
  document.addEventListener('htmx:afterRequest', (event) => {
    if (event.target instanceof Element && event.target.matches('[data-bulk-bar]') && event.detail.successful) selectedIds.clear();
  });

  /** Draws the list again when a link was filed into an empty category (its chip); says whether it did. */
  function reloadIfLanded() {
    if (!document.querySelector('[data-reload-list] > .link-row')) return false;
    htmx.trigger(document.body, 'inbox-reload');
    return true;
  }

  // The saved row swapped out of its list settles detached, so its own afterSettle never reaches
  // the document: its landing is seen here, right after the swap, instead of waiting for another
  // request (the counts) to settle.
  document.addEventListener('htmx:afterRequest', () => {
    reloadIfLanded();
  });

  document.addEventListener('htmx:afterSettle', () => {
    updateBulkBar();
    if (reloadIfLanded()) return;
    if (!returnFocusTo) return;
    const row = document.getElementById(returnFocusTo);
    // Still editing (a refused value): the focus stays in the form.
    if (row && row.matches('.link-row:not(.editing):not(.editing-field)')) {
      returnFocusTo = null;
      row.focus();
    }
  });

  document.addEventListener('DOMContentLoaded', () => {
    if (!document.querySelector('[data-compact-toggle]')) return;
    let stored = null;
    try {
      stored = localStorage.getItem(COMPACT_KEY);
    } catch {
      stored = null;
    }
    applyCompact(stored === '1');
    updateBulkBar();
  });
})();
