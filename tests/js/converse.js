// Drives a running skill server with virtual-alexa, the way an Echo would, and prints what happened.
//
// Usage: node converse.js <skill URL> <interaction model file> <locale> <application id>  < steps.json
// steps.json is a list of {"launch": true} | {"utter": "..."} | {"intend": "Name", "slots": {...}}.
// Prints one JSON object: {"turns": [{"step", "request", "response"} ...]} or {"error": "..."}.
// The assertions live in tests/test_alexa_client.py; this script only plays the client.
"use strict";

const va = require("virtual-alexa");

async function main() {
  const [url, model, locale, appId] = process.argv.slice(2);
  const steps = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const alexa = va.VirtualAlexa.Builder()
    .interactionModelFile(model)
    .skillURL(url)
    .locale(locale)
    .applicationID(appId)
    .create();
  let sent = null;
  alexa.filter((request) => { sent = JSON.parse(JSON.stringify(request)); });
  const turns = [];
  for (const step of steps) {
    sent = null;
    let response;
    if (step.launch) response = await alexa.launch();
    else if (step.utter !== undefined) response = await alexa.utter(step.utter);
    else if (step.intend) response = await alexa.intend(step.intend, step.slots || {});
    else throw new Error("unknown step " + JSON.stringify(step));
    // SkillResponse wraps the JSON; copy its own fields back out
    turns.push({ step, request: sent, response: JSON.parse(JSON.stringify(response)) });
  }
  return { turns };
}

main().then(
  (out) => process.stdout.write(JSON.stringify(out) + "\n"),
  (err) => { process.stdout.write(JSON.stringify({ error: String(err && err.stack || err) }) + "\n"); process.exitCode = 1; },
);
