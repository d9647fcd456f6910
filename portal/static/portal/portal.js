// Copy buttons: the only script in the portal. Without JavaScript the key is still shown,
// selectable, in a read-only field.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const field = document.getElementById(button.dataset.copy);
  try {
    await navigator.clipboard.writeText(field.value);
  } catch {
    field.select();
    document.execCommand("copy");
  }
  button.textContent = "Copied";
});

// The Swagger UI link pre-fills the tenant id: Swagger UI (with persistAuthorization on)
// restores the authorizations it finds in localStorage["authorized"] when it loads, so
// the tenant header is put there first. Without JavaScript the id is shown on the page.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-swagger-tenant]");
  if (!link) return;
  let saved = {};
  try {
    saved = JSON.parse(localStorage.getItem("authorized") || "{}") || {};
  } catch {
    saved = {};
  }
  saved.tenantHeader = {
    name: "tenantHeader",
    schema: { type: "apiKey", in: "header", name: "x-business-tenant-id" },
    value: link.dataset.swaggerTenant,
  };
  localStorage.setItem("authorized", JSON.stringify(saved));
});
