// Node echo: the same file runs on Serval (nodejs20.x, handler echo.handler) and under
// serverless-offline (bench/peer/serverless.yml).
export const handler = async (event) => event;
