// Small enhancements; every page works without them.
document.documentElement.classList.add("js");

// Copy buttons: data-copy names the element whose text is copied. Without a clipboard (plain HTTP,
// a refused permission) the text is shown selected instead, for Ctrl+C.
async function copyFrom(button) {
  const source = document.getElementById(button.dataset.copy);
  if (!source) return;
  const text = source.tagName === "TEXTAREA" ? source.value : source.textContent;
  const label = button.dataset.label || "Copy";
  button.setAttribute("aria-live", "polite");
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 2000);
  } catch {
    const folded = source.closest("details");
    if (folded) folded.open = true;
    if (source.tagName === "TEXTAREA") {
      source.focus();
      source.select();
    } else {
      const range = document.createRange();
      range.selectNodeContents(source);
      getSelection().removeAllRanges();
      getSelection().addRange(range);
    }
    button.textContent = "Selected: press Ctrl+C to copy";
    setTimeout(() => { button.textContent = label; }, 6000);
  }
}

document.addEventListener("click", (event) => {
  const copy = event.target.closest("button.copy");
  if (copy) copyFrom(copy);
  if (event.target.closest("button.js-print")) window.print();
});

document.addEventListener("DOMContentLoaded", () => {
  // After a refused submit, start where the first problem is.
  const invalid = document.querySelector("main [aria-invalid='true']");
  if (invalid) {
    invalid.focus();
    return;
  }
  // A link to a field (a placeholder in the steps) or to a folded check: show it and put the cursor there.
  const target = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (!target) return;
  for (let folded = target.closest("details"); folded; folded = folded.parentElement.closest("details")) {
    folded.open = true;
  }
  target.scrollIntoView({ block: "center" });
  if (target.matches("input, select, textarea")) target.focus();
});

// A definition shown on hover or focus goes away with Escape (WCAG 1.4.13), until the next term.
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape") document.documentElement.classList.add("tips-hidden");
});
for (const type of ["focusin", "mouseover"]) {
  document.addEventListener(type, (event) => {
    if (event.target.closest && event.target.closest(".term-word")) document.documentElement.classList.remove("tips-hidden");
  });
}
