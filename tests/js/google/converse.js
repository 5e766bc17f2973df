// Drives a Dialogflow ES webhook through virtual-google-assistant, from an ES agent export.
// usage: node converse.js <agent-dir> <webhook-url> '<json list of steps>'
// A step is {"launch": true}, {"utter": "words"} or {"intend": "IntentName", "slots": {...}}.
// Prints one JSON line per step: {"step", "intent", "response"} or {"step", "error"}.
"use strict";
const vga = require("virtual-google-assistant");

async function main() {
    const [dir, url, stepsJson] = process.argv.slice(2);
    if (!dir || !url || !stepsJson) {
        console.error("usage: node converse.js <agent-dir> <webhook-url> '<steps json>'");
        process.exit(2);
    }
    const assistant = vga.VirtualGoogleAssistant.Builder().directory(dir).actionUrl(url).create();
    let sent = null;
    // a filter sees each request as sent: record which intent the utterance was routed to
    assistant.addFilter((request) => { sent = request; });
    for (const step of JSON.parse(stepsJson)) {
        sent = null;
        try {
            let response;
            if (step.launch) response = await assistant.launch();
            else if (step.utter !== undefined) response = await assistant.utter(step.utter);
            else response = await assistant.intend(step.intend, step.slots || {});
            const result = sent ? sent.queryResult : {};
            console.log(JSON.stringify({step, intent: result.intent ? result.intent.displayName : null,
                                        parameters: result.parameters || {}, response}));
        } catch (e) {
            console.log(JSON.stringify({step, error: String(e && e.message ? e.message : e)}));
        }
    }
}

main().catch((e) => { console.error(e); process.exit(1); });
