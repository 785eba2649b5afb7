// Local declarations for the Alibaba Cloud SDKs: @alicloud/mns ships none, and @alicloud/pop-core's typings
// lack the options we use. Only the surface this project calls is declared.

declare module '@alicloud/mns/lib/client.js' {
  interface MnsClientOptions {
    accessKeyId: string;
    accessKeySecret: string;
    securityToken?: string;
    endpoint?: string;
    region?: string;
    secure?: boolean;
    internal?: boolean;
    vpc?: boolean;
    readTimeout?: number;
    connectTimeout?: number;
  }
  interface MnsResponse<T = any> {
    code: number;
    headers: Record<string, string>;
    body: T;
  }
  class MNSClient {
    constructor(accountId: string, options: MnsClientOptions);
    createQueue(name: string, attrs?: Record<string, unknown>): Promise<MnsResponse>;
    deleteQueue(name: string): Promise<MnsResponse>;
    listQueue(start?: string, limit?: number, prefix?: string): Promise<MnsResponse>;
    getQueueAttributes(name: string): Promise<MnsResponse>;
    setQueueAttributes(name: string, attrs?: Record<string, unknown>): Promise<MnsResponse>;
    sendMessage(queue: string, params: { MessageBody: string; DelaySeconds?: number; Priority?: number }): Promise<MnsResponse>;
    batchSendMessage(queue: string, params: Array<{ MessageBody: string; DelaySeconds?: number; Priority?: number }>): Promise<MnsResponse>;
    receiveMessage(queue: string, waitSeconds?: number): Promise<MnsResponse>;
    batchReceiveMessage(queue: string, numOfMessages: number, waitSeconds?: number): Promise<MnsResponse>;
    peekMessage(queue: string): Promise<MnsResponse>;
    batchPeekMessage(queue: string, numOfMessages: number): Promise<MnsResponse>;
    deleteMessage(queue: string, receiptHandle: string): Promise<MnsResponse>;
    batchDeleteMessage(queue: string, receiptHandles: string[]): Promise<MnsResponse>;
    changeMessageVisibility(queue: string, receiptHandle: string, visibilityTimeout: number): Promise<MnsResponse>;
  }
  export = MNSClient;
}

declare module '@alicloud/pop-core/lib/rpc.js' {
  interface RpcClientConfig {
    endpoint: string;
    apiVersion: string;
    accessKeyId?: string;
    accessKeySecret?: string;
    securityToken?: string;
    credentialsProvider?: { getCredentials(): Promise<{ accessKeyId: string; accessKeySecret: string; securityToken?: string }> };
    codes?: Array<string | number>;
    opts?: Record<string, unknown>;
  }
  interface RpcRequestOptions {
    method?: 'GET' | 'POST';
    timeout?: number;
    readTimeout?: number;
    connectTimeout?: number;
    formatAction?: boolean;
    formatParams?: boolean;
    agent?: unknown;
    headers?: Record<string, string>;
  }
  class RPCClient {
    constructor(config: RpcClientConfig, verbose?: boolean);
    request<T = Record<string, unknown>>(action: string, params: Record<string, unknown>, options?: RpcRequestOptions): Promise<T>;
  }
  export = RPCClient;
}
