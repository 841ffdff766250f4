DROP TABLE free_texts;
DROP TABLE responses;
