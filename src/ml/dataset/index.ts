// Datasets for training: gold → train/test Parquet split by session.
export * from './build-dataset.js';
