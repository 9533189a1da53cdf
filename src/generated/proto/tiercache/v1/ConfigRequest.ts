// Original file: proto/tiercache/v1/admin.proto


export interface ConfigRequest {
}

export interface ConfigRequest__Output {
}
