// The Node handlers of bench/apigateway.sh; the same file runs on Serval (nodejs20.x) and under
// serverless-offline (bench/peer/serverless.yml, through the peer/gateway_hello.mjs symlink).
//   gateway_hello.proxy     a Lambda proxy answer (REST AWS_PROXY, HTTP API, function URL)
//   gateway_hello.greeting  a custom (AWS) integration's function: {"name": N} -> {"greeting": ...}
export const proxy = async () => ({ statusCode: 200, body: "hello" });
export const greeting = async (event) => ({ greeting: "hello " + event.name });
