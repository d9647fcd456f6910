// A minimal JavaScript client for /v1/customer: Node 20+ (global fetch), no dependencies.
//
//   CM_BASE_URL=http://127.0.0.1:8000 CM_API_KEY=cmk_... CM_TENANT_ID=tn_... \
//       node docs/examples/client.mjs
//
// `make run` prints a key and tenant id (also kept in .demo_credentials.json). The script
// creates, reads, lists, updates and deletes one customer, printing one JSON line per step.
// Errors come back as RFC 9457 problem details; ApiError keeps the whole object.

import { pathToFileURL } from "node:url";

export class ApiError extends Error {
  constructor(problem) {
    super(`${problem.status} ${problem.code}: ${problem.detail}`);
    this.problem = problem;
    this.status = problem.status;
    this.code = problem.code;
  }
}

export class CustomerClient {
  constructor(baseUrl, apiKey, tenantId) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.headers = {
      Authorization: `Bearer ${apiKey}`,
      "x-business-tenant-id": tenantId,
      Accept: "application/json",
    };
  }

  async #call(method, path, { body, query } = {}) {
    const url = new URL(this.baseUrl + path);
    for (const [name, value] of Object.entries(query ?? {})) url.searchParams.set(name, value);
    const headers = { ...this.headers };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (!response.ok) {
      let problem;
      try {
        problem = JSON.parse(text);
      } catch {
        // not ours (a proxy's HTML page, say): keep what we can
        problem = { status: response.status, code: "http_error", detail: text.slice(0, 200) };
      }
      throw new ApiError(problem);
    }
    return text ? JSON.parse(text) : null;
  }

  create(customer) {
    return this.#call("POST", "/v1/customer", { body: customer });
  }

  get(customerId) {
    return this.#call("GET", `/v1/customer/${encodeURIComponent(customerId)}`);
  }

  // One page: {data: [...], page, limit, total, totalPages}.
  list(query = {}) {
    return this.#call("GET", "/v1/customer/paged", { query });
  }

  // Partial update: only the fields sent change.
  update(customerId, changes) {
    return this.#call("PATCH", `/v1/customer/${encodeURIComponent(customerId)}`, { body: changes });
  }

  // Soft delete: the customer turns inactive; POST .../restore undoes it.
  async delete(customerId) {
    await this.#call("DELETE", `/v1/customer/${encodeURIComponent(customerId)}`);
  }
}

async function main() {
  const client = new CustomerClient(
    process.env.CM_BASE_URL ?? "http://127.0.0.1:8000",
    process.env.CM_API_KEY,
    process.env.CM_TENANT_ID,
  );
  const step = (name, fields = {}) => console.log(JSON.stringify({ step: name, ...fields }));

  const ada = await client.create({
    firstName: "Ada",
    lastName: "Lovelace",
    email: "ada@example.com",
    phone: "+39 06 1234 5678",
  });
  step("create", { id: ada.id, phone: ada.phone });
  step("get", { id: (await client.get(ada.id)).id });
  const page = await client.list({ search: "lovelace", limit: 10 });
  step("list", { total: page.total, ids: page.data.map((customer) => customer.id) });
  step("update", { lastName: (await client.update(ada.id, { lastName: "King" })).lastName });
  try {
    await client.create({ firstName: "Another Ada", email: "ADA@example.com" });
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    // emails are unique per tenant, compared case-insensitively
    step("duplicate", { status: error.status, code: error.code, existing_id: error.problem.existing_id });
  }
  await client.delete(ada.id);
  step("delete", { id: ada.id });
  try {
    await client.get(ada.id);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    step("get_deleted", { status: error.status, code: error.code });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
