// Small enhancements; every page works without them.
document.documentElement.classList.add("js");
document.addEventListener("click", async (event) => {
  const copy = event.target.closest("button.copy");
  if (copy) {
    const source = document.getElementById(copy.dataset.copy);
    const text = source ? source.innerText : "";
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      const area = document.createElement("textarea");
      area.value = text;
      document.body.append(area);
      area.select();
      document.execCommand("copy");
      area.remove();
    }
    copy.textContent = "Copied";
    copy.setAttribute("aria-live", "polite");
    setTimeout(() => { copy.textContent = "Copy"; }, 2000);
  }
  if (event.target.closest("button.js-print")) window.print();
});

// After a refused submit, start where the first problem is.
document.addEventListener("DOMContentLoaded", () => {
  const invalid = document.querySelector("main [aria-invalid='true']");
  if (invalid) invalid.focus();
});
