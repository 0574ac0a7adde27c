export { Channels, type ChannelHandler, type ChannelsContext, type MessageInfo } from './channels.js'
export { defineChannel, type Channel, type InferSchemaInput } from './define-channel.js'
export type { ChannelEvents } from './events.js'
