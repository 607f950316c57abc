"use strict"
// bench/node-chat/handler.js - the chat app of fixtures/chat-app.json in Node (AWS SDK v3), the
// same file for both servers `make bench` compares: wsgw runs it out of process (wsgw.json
// beside it) and serverless-offline in process (serverless.yml beside it).
//
// Connections live in the DynamoDB table TABLE_NAME. The DynamoDB client takes its endpoint
// from AWS_ENDPOINT_URL_DYNAMODB, which the SDK reads itself (wsgw sets it to its own
// listener; bench/run.sh sets it to dynalite for serverless-offline). Region and credentials
// come from the environment as well. sendmessage scans the table and posts to every id,
// deleting the ids that answer 410; its management endpoint is WS_MGMT_ENDPOINT when set
// (serverless-offline), otherwise https://{domainName}/{stage} from the event, the recipe of
// AWS's own examples (on wsgw: its TLS listener, whose certificate the process trusts).
// echo returns the body (a two-way route).
//
// @aws-sdk resolves from ./node_modules, a link to bench/peers/node_modules made by
// bench/run.sh.
const { DynamoDBClient, PutItemCommand, DeleteItemCommand, ScanCommand } =
  require("@aws-sdk/client-dynamodb")
const { ApiGatewayManagementApiClient, PostToConnectionCommand } =
  require("@aws-sdk/client-apigatewaymanagementapi")

const table = process.env.TABLE_NAME || "Connections"
const ddb = new DynamoDBClient({})
// one management client per endpoint, made at the first message and reused while warm
const mgmtClients = new Map()
const mgmtFor = (e) => {
  const { domainName, stage } = e.requestContext
  const endpoint = process.env.WS_MGMT_ENDPOINT || `https://${domainName}/${stage}`
  let c = mgmtClients.get(endpoint)
  if (!c) {
    c = new ApiGatewayManagementApiClient({ endpoint })
    mgmtClients.set(endpoint, c)
  }
  return c
}
const idOf = (e) => e.requestContext.connectionId

exports.connect = async (e) => {
  await ddb.send(new PutItemCommand({ TableName: table, Item: { id: { S: idOf(e) } } }))
  return { statusCode: 200, body: "Connected." }
}

exports.disconnect = async (e) => {
  await ddb.send(new DeleteItemCommand({ TableName: table, Key: { id: { S: idOf(e) } } }))
  return { statusCode: 200, body: "Disconnected." }
}

exports.sendmessage = async (e) => {
  const mgmt = mgmtFor(e)
  const { data } = JSON.parse(e.body)
  const payload = typeof data === "string" ? data : JSON.stringify(data)
  let ExclusiveStartKey
  do {
    const page = await ddb.send(new ScanCommand({ TableName: table, ProjectionExpression: "id", ExclusiveStartKey }))
    await Promise.all(page.Items.map(async (item) => {
      try {
        await mgmt.send(new PostToConnectionCommand({ ConnectionId: item.id.S, Data: payload }))
      } catch (err) {
        if (err.$metadata && err.$metadata.httpStatusCode === 410)
          await ddb.send(new DeleteItemCommand({ TableName: table, Key: { id: { S: item.id.S } } }))
        else throw err
      }
    }))
    ExclusiveStartKey = page.LastEvaluatedKey
  } while (ExclusiveStartKey)
  return { statusCode: 200, body: "Data sent." }
}

exports.echo = async (e) => ({ statusCode: 200, body: e.body })
