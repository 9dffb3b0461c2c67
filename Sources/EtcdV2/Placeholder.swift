public enum EtcdV2Placeholder {}
