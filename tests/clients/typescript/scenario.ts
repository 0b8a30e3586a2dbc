// A short integration through openapi-fetch with the types openapi-typescript generates from the
// served contract, unchanged: log in, register an organization, page a list, read a problem
// document, follow the event feed. `tsc --strict` checks it before it runs.
//
//   node build/scenario.js BASE_URL ADMIN_PASSWORD
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type Problem = components["schemas"]["Problem"];

const [base, password] = process.argv.slice(2);
if (!base || !password) throw new Error("usage: scenario.js BASE_URL ADMIN_PASSWORD");

const ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
function uscc(n: number): string {
  const first17 = `91350100${String(n).padStart(9, "0")}`;
  let sum = 0;
  [...first17].forEach((c, i) => {
    sum += ALPHABET.indexOf(c) * (3 ** i % 31);
  });
  return first17 + ALPHABET[(31 - (sum % 31)) % 31];
}

const anonymous = createClient<paths>({ baseUrl: base });
const login = await anonymous.POST("/api/v1/auth/token", {
  body: { grant_type: "password", username: "admin", password },
  bodySerializer: (body) => new URLSearchParams(body as Record<string, string>).toString(),
  headers: { "Content-Type": "application/x-www-form-urlencoded" },
});
if (!login.data) throw new Error(`login: ${JSON.stringify(login.error)}`);
const client = createClient<paths>({
  baseUrl: base,
  headers: { Authorization: `Bearer ${login.data.access_token}` },
});

const before = await client.GET("/api/v1/events", { params: { query: { types: "organization" } } });
if (!before.data) throw new Error(`events: ${JSON.stringify(before.error)}`);
const after: number = before.data.next_after;

for (let n = 0; n < 3; n++) {
  const created = await client.POST("/api/v1/organizations", {
    body: {
      name: `类型客户端企业${n}`,
      kind: "new_economic",
      category: "private_enterprise",
      uscc: uscc(800_000 + n),
      region_code: "350102",
      employee_count: 10,
      in_survey_scope: true,
    },
  });
  if (!created.data) throw new Error(`create: ${JSON.stringify(created.error)}`);
}

const first = await client.GET("/api/v1/organizations", { params: { query: { limit: 2 } } });
if (!first.data) throw new Error(`list: ${JSON.stringify(first.error)}`);
const cursor = first.data.next_cursor;
if (first.data.items.length !== 2 || !cursor) throw new Error("a first page of two, and a cursor");
const second = await client.GET("/api/v1/organizations", { params: { query: { limit: 2, cursor } } });
if (!second.data || second.data.items.length === 0) throw new Error("a second page");

const refused = await client.POST("/api/v1/organizations", {
  body: {
    name: "",
    kind: "new_social",
    category: "private_enterprise",
    uscc: "91350100M000100Y44",
    region_code: "35010",
    employee_count: -1,
    in_survey_scope: true,
  },
});
const problem: Problem | undefined = refused.error;
if (!problem || problem.status !== 422) throw new Error(`expected a 422: ${refused.response.status}`);
const fields = (problem.errors ?? []).map((e) => e.field).sort();
for (const field of ["employee_count", "name", "region_code"]) {
  if (!fields.includes(field)) throw new Error(`the problem names ${field}: ${fields}`);
}

const feed = await client.GET("/api/v1/events", {
  params: { query: { after, types: "organization", wait: 5 } },
});
if (!feed.data) throw new Error(`events: ${JSON.stringify(feed.error)}`);
const actions = feed.data.items.map((e) => e.action);
if (actions.join() !== "create,create,create") throw new Error(`three creates: ${actions}`);
console.log(
  `typescript client: logged in, registered 3 organizations, paged the list, read a 422 naming ` +
    `${fields.join(", ")}, and followed 3 events to seq ${feed.data.next_after}`,
);
