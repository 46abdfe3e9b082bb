// One ApiToken whose args are taken as they are from the JSON in the stack config value `args`,
// so a test can pass any input, bad ones included (a row of the README's bad-input table).
const pulumi = require("@pulumi/pulumi");
const { ApiToken } = require("utho-pulumi-tokens");

const args = JSON.parse(new pulumi.Config().require("args"));
const token = new ApiToken("token", args);

module.exports = { id: token.id };
