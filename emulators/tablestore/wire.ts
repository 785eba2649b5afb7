/**
 * The protobuf messages of Tablestore API 2015-12-31 that the emulator speaks, decoded and encoded with protobufjs
 * from a schema of its own (the subset of the service's `table_store.proto` / `table_store_filter.proto` the
 * emulated operations use, field numbers and `required` markers as published in
 * https://github.com/aliyun/aliyun-tablestore-nodejs-sdk lib/protocol/tablestore.proto). Keeping a separate schema
 * rather than loading the SDK's generated module means the emulator checks the SDK instead of agreeing with it.
 * Field names stay snake_case (`keepCase`).
 */
import protobuf from 'protobufjs';
import { invalid } from './errors.js';

const SCHEMA = `
syntax = "proto2";
package ots;
message Error { required string code = 1; optional string message = 2; }
enum PrimaryKeyType { INTEGER = 1; STRING = 2; BINARY = 3; }
enum PrimaryKeyOption { AUTO_INCREMENT = 1; }
message PrimaryKeySchema { required string name = 1; required PrimaryKeyType type = 2; optional PrimaryKeyOption option = 3; }
message DefinedColumnSchema { required string name = 1; required int32 type = 2; }
message TableOptions {
  optional int32 time_to_live = 1; optional int32 max_versions = 2; optional int32 bloom_filter_type = 3;
  optional int32 block_size = 4; optional int64 deviation_cell_version_in_sec = 5; optional bool allow_update = 6;
}
message IndexMeta { required string name = 1; repeated string primary_key = 2; repeated string defined_column = 3; required int32 index_update_mode = 4; required int32 index_type = 5; optional int32 index_sync_phase = 6; }
message TableMeta { required string table_name = 1; repeated PrimaryKeySchema primary_key = 2; repeated DefinedColumnSchema defined_column = 3; repeated IndexMeta index_meta = 4; }
message Condition { required int32 row_existence = 1; optional bytes column_condition = 2; }
message CapacityUnit { optional int32 read = 1; optional int32 write = 2; }
message ReservedThroughputDetails { required CapacityUnit capacity_unit = 1; required int64 last_increase_time = 2; optional int64 last_decrease_time = 3; }
message ReservedThroughput { required CapacityUnit capacity_unit = 1; }
message ConsumedCapacity { required CapacityUnit capacity_unit = 1; }
message StreamSpecification { required bool enable_stream = 1; optional int32 expiration_time = 2; }
message PartitionRange { required bytes begin = 1; required bytes end = 2; }
message CreateTableRequest { required TableMeta table_meta = 1; required ReservedThroughput reserved_throughput = 2; optional TableOptions table_options = 3; repeated PartitionRange partitions = 4; optional StreamSpecification stream_spec = 5; repeated IndexMeta index_metas = 7; }
message CreateTableResponse {}
message DescribeTableRequest { required string table_name = 1; }
message DescribeTableResponse { required TableMeta table_meta = 1; required ReservedThroughputDetails reserved_throughput_details = 2; required TableOptions table_options = 3; required int32 table_status = 4; repeated bytes shard_splits = 6; }
message ListTableRequest {}
message ListTableResponse { repeated string table_names = 1; }
message UpdateTableRequest { required string table_name = 1; optional ReservedThroughput reserved_throughput = 2; optional TableOptions table_options = 3; optional StreamSpecification stream_spec = 4; }
message UpdateTableResponse { required ReservedThroughputDetails reserved_throughput_details = 1; required TableOptions table_options = 2; }
message DeleteTableRequest { required string table_name = 1; }
message DeleteTableResponse {}
message TimeRange { optional int64 start_time = 1; optional int64 end_time = 2; optional int64 specific_time = 3; }
message ReturnContent { optional int32 return_type = 1; repeated string return_column_names = 2; }
message GetRowRequest { required string table_name = 1; required bytes primary_key = 2; repeated string columns_to_get = 3; optional TimeRange time_range = 4; optional int32 max_versions = 5; optional bool cache_blocks = 6; optional bytes filter = 7; optional string start_column = 8; optional string end_column = 9; optional bytes token = 10; optional string transaction_id = 11; }
message GetRowResponse { required ConsumedCapacity consumed = 1; required bytes row = 2; optional bytes next_token = 3; }
message UpdateRowRequest { required string table_name = 1; required bytes row_change = 2; required Condition condition = 3; optional ReturnContent return_content = 4; optional string transaction_id = 5; }
message UpdateRowResponse { required ConsumedCapacity consumed = 1; optional bytes row = 2; }
message PutRowRequest { required string table_name = 1; required bytes row = 2; required Condition condition = 3; optional ReturnContent return_content = 4; optional string transaction_id = 5; }
message PutRowResponse { required ConsumedCapacity consumed = 1; optional bytes row = 2; }
message DeleteRowRequest { required string table_name = 1; required bytes primary_key = 2; required Condition condition = 3; optional ReturnContent return_content = 4; optional string transaction_id = 5; }
message DeleteRowResponse { required ConsumedCapacity consumed = 1; optional bytes row = 2; }
message TableInBatchGetRowRequest { required string table_name = 1; repeated bytes primary_key = 2; repeated bytes token = 3; repeated string columns_to_get = 4; optional TimeRange time_range = 5; optional int32 max_versions = 6; optional bool cache_blocks = 7; optional bytes filter = 8; optional string start_column = 9; optional string end_column = 10; }
message BatchGetRowRequest { repeated TableInBatchGetRowRequest tables = 1; }
message RowInBatchGetRowResponse { required bool is_ok = 1; optional Error error = 2; optional ConsumedCapacity consumed = 3; optional bytes row = 4; optional bytes next_token = 5; }
message TableInBatchGetRowResponse { required string table_name = 1; repeated RowInBatchGetRowResponse rows = 2; }
message BatchGetRowResponse { repeated TableInBatchGetRowResponse tables = 1; }
message RowInBatchWriteRowRequest { required int32 type = 1; required bytes row_change = 2; required Condition condition = 3; optional ReturnContent return_content = 4; }
message TableInBatchWriteRowRequest { required string table_name = 1; repeated RowInBatchWriteRowRequest rows = 2; }
message BatchWriteRowRequest { repeated TableInBatchWriteRowRequest tables = 1; optional string transaction_id = 2; }
message RowInBatchWriteRowResponse { required bool is_ok = 1; optional Error error = 2; optional ConsumedCapacity consumed = 3; optional bytes row = 4; }
message TableInBatchWriteRowResponse { required string table_name = 1; repeated RowInBatchWriteRowResponse rows = 2; }
message BatchWriteRowResponse { repeated TableInBatchWriteRowResponse tables = 1; }
message GetRangeRequest { required string table_name = 1; required int32 direction = 2; repeated string columns_to_get = 3; optional TimeRange time_range = 4; optional int32 max_versions = 5; optional int32 limit = 6; required bytes inclusive_start_primary_key = 7; required bytes exclusive_end_primary_key = 8; optional bool cache_blocks = 9; optional bytes filter = 10; optional string start_column = 11; optional string end_column = 12; optional bytes token = 13; optional string transaction_id = 14; optional int32 data_block_type_hint = 15; optional bool return_entire_primary_keys = 16; optional int32 compress_type_hint = 17; }
message GetRangeResponse { required ConsumedCapacity consumed = 1; required bytes rows = 2; optional bytes next_start_primary_key = 3; optional bytes next_token = 4; optional int32 data_block_type = 5; optional int32 compress_type = 6; }
message Filter { required int32 type = 1; required bytes filter = 2; }
message SingleColumnValueFilter { required int32 comparator = 1; required string column_name = 2; required bytes column_value = 3; required bool filter_if_missing = 4; required bool latest_version_only = 5; }
message CompositeColumnValueFilter { required int32 combinator = 1; repeated Filter sub_filters = 2; }
message ColumnPaginationFilter { required int32 offset = 1; required int32 limit = 2; }
`;

const root = protobuf.parse(SCHEMA, { keepCase: true }).root;

/** A message type by name (e.g. `PutRowRequest`). */
export function messageType(name: string): protobuf.Type {
  return root.lookupType(`ots.${name}`);
}

/** Decoded messages are plain objects; int64 fields arrive as protobufjs Long or number. */
export type Message = Record<string, any>;

/** Decodes a body, any failure (truncated, wrong wire type, missing required field) → the documented 400. */
export function decodeMessage(name: string, body: Uint8Array): Message {
  try {
    return messageType(name).toObject(messageType(name).decode(body), { longs: Number, bytes: Buffer as unknown as typeof String, defaults: false }) as Message;
  } catch {
    throw invalid('Failed to parse the ProtoBuf message.');
  }
}

/** Encodes a message (the emulator's own answers: a bad one is a bug, so it throws). */
export function encodeMessage(name: string, value: Message): Buffer {
  const type = messageType(name);
  const problem = type.verify(value);
  if (problem) throw new Error(`Tablestore emulator: bad ${name}: ${problem}`);
  return Buffer.from(type.encode(type.fromObject(value)).finish());
}
